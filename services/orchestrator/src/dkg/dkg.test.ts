import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { computeDkg, type EvidencePackage, merkleRoot, toBasisPoints } from "./index.js";

interface VectorCase {
  name: string;
  evidence: EvidencePackage[];
  thread_root: string;
  evidence_root: string;
  weights_betweenness: Record<string, number>;
}
const vectors = JSON.parse(readFileSync(new URL("./vectors/dkg.json", import.meta.url), "utf8")) as { cases: VectorCase[] };

const pkg = (id: string, author: string, timestamp: number, parents: string[] = []): EvidencePackage => ({
  arweave_tx_id: id,
  author,
  timestamp,
  parent_ids: parents,
  payload_hash: `0x${id.padStart(64, "0")}`,
  artifact_ids: [],
  signature: `0x${"00".repeat(65)}`,
});

describe("DKG 1.0.0 vectors", () => {
  it.each(vectors.cases.map((c) => [c.name, c] as const))("%s: roots and betweenness weights match", (_name, c) => {
    const result = computeDkg(c.evidence);
    expect(result.threadRoot).toBe(c.thread_root);
    expect(result.evidenceRoot).toBe(c.evidence_root);
    expect(Object.fromEntries(result.weights)).toEqual(c.weights_betweenness);
  });

  it("reproduces the reference's chain3 VLCs and canonical hashes", () => {
    const chain3 = vectors.cases.find((c) => c.name === "chain3") as VectorCase;
    const nodes = computeDkg(chain3.evidence).nodes;
    expect(nodes.get("tx1")?.vlc).toBe("0x3fd5ca6c4694a5f89e1fe43ee7891bf18d72d154faaf55a1a983526871c39d9f");
    expect(nodes.get("tx2")?.vlc).toBe("0xd31cf7074d6c2a14c04b57204900bba27d92c9a1aecb5130446f8bb3e4e7c98f");
    expect(nodes.get("tx3")?.vlc).toBe("0xaf54c14dcb902f81e6425b43fac367efc3ea4a0e4471b72a42b43628f5edadab");
    expect(nodes.get("tx2")?.canonicalHash).toBe("0xed275781bd7acd3896b04a37c3e6628c21db18354982f860306ccf72d67fb827");
    expect(nodes.get("tx3")?.canonicalHash).toBe("0x7347d75cf919d53d88419d170598abe5e1ca043c80c845a3f5a92c6a9e764969");
  });
});

describe("DKG ordering rules", () => {
  const mixedCase = [pkg("c3", "0xA", 3), pkg("B1", "0xB", 1), pkg("a2", "0xC", 2)];

  it("orders the evidence root by localeCompare and the thread root by code units", () => {
    const result = computeDkg(mixedCase);
    const leaf = (id: string) => computeDkg([pkg(id, "x", 0)]).evidenceRoot;
    // localeCompare: a2, B1, c3; code units: B1, a2, c3.
    expect(result.evidenceRoot).toBe(merkleRoot([leaf("a2"), leaf("B1"), leaf("c3")]));
    expect(result.evidenceRoot).not.toBe(merkleRoot([leaf("B1"), leaf("a2"), leaf("c3")]));
    const canonical = (id: string) => result.nodes.get(id)?.canonicalHash as `0x${string}`;
    expect(result.threadRoot).toBe(merkleRoot([canonical("B1"), canonical("a2"), canonical("c3")]));
  });

  it("1.0.0 drops an edge to a parent that sorts later; 1.1.0 keeps it; roots agree", () => {
    // z1 → a2 → m3: the a2 → z1 parent edge sorts later and is dropped by 1.0.0.
    const evidence = [pkg("z1", "0xAlice", 1), pkg("a2", "0xBob", 2, ["z1"]), pkg("m3", "0xCarol", 3, ["a2"])];
    const v100 = computeDkg(evidence, "1.0.0");
    const v110 = computeDkg(evidence, "1.1.0");
    expect(v100.nodes.get("a2")?.parents).toEqual([]);
    expect(v100.weights.size).toBe(0);
    expect(v110.nodes.get("a2")?.parents).toEqual(["z1"]);
    expect(Object.fromEntries(v110.weights)).toEqual({ "0xbob": 1 });
    expect(v110.threadRoot).toBe(v100.threadRoot);
    expect(v110.evidenceRoot).toBe(v100.evidenceRoot);
  });

  it("1.1.0 rejects a cycle", () => {
    expect(() => computeDkg([pkg("a", "x", 1, ["b"]), pkg("b", "y", 2, ["a"])], "1.1.0")).toThrow(/cycle/);
  });

  it("gives equal shares to tied shortest paths", () => {
    const evidence = [pkg("t1", "0xA", 1), pkg("t2", "0xB", 2, ["t1"]), pkg("t3", "0xC", 3, ["t1"]), pkg("t4", "0xD", 4, ["t2", "t3"])];
    expect(Object.fromEntries(computeDkg(evidence).weights)).toEqual({ "0xB": 0.5, "0xC": 0.5 });
  });
});

describe("basis points", () => {
  it("sums thirds to exactly 10,000 with the extra point to the lowest address", () => {
    const bps = toBasisPoints(
      new Map([
        ["0xC", 1],
        ["0xB", 1],
        ["0xA", 1],
      ]),
    );
    expect(Object.fromEntries(bps)).toEqual({ "0xa": 3334, "0xb": 3333, "0xc": 3333 });
  });

  it("gives remaining points to the largest remainders first", () => {
    const bps = toBasisPoints(
      new Map([
        ["0x1", 0.12345],
        ["0x2", 0.54321],
        ["0x3", 0.33334],
      ]),
    );
    expect([...bps.values()].reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(Object.fromEntries(bps)).toEqual({ "0x1": 1235, "0x2": 5432, "0x3": 3333 });
  });

  it("merges addresses that differ only in case and rejects negative weights", () => {
    expect(
      Object.fromEntries(
        toBasisPoints(
          new Map([
            ["0xAb", 1],
            ["0xab", 1],
          ]),
        ),
      ),
    ).toEqual({ "0xab": 10_000 });
    expect(() => toBasisPoints(new Map([["0x1", -1]]))).toThrow(RangeError);
    expect(toBasisPoints(new Map()).size).toBe(0);
  });

  it("always sums to 10,000 for random weights", () => {
    for (let n = 1; n < 40; n++) {
      const weights = new Map(Array.from({ length: n }, (_, i) => [`0x${i.toString(16)}`, ((i * 7919) % 97) + 0.37]));
      const total = [...toBasisPoints(weights).values()].reduce((a, b) => a + b, 0);
      expect(total).toBe(10_000);
    }
  });
});
