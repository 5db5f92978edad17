import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { LocalEvidenceStore } from "./local-store.js";
import { workEvidenceTags } from "./store.js";

const dir = mkdtempSync(join(tmpdir(), "gh-evidence-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("LocalEvidenceStore", () => {
  const store = new LocalEvidenceStore(dir);
  const tags = workEvidenceTags({ studio: "0xS", epoch: 1, dataHash: "0xD", agent: "0xA" });

  it("addresses content by hash, so the same bytes give the same id", async () => {
    const a = await store.put(Buffer.from("evidence"), tags);
    const b = await store.put(Buffer.from("evidence"), tags);
    expect(a).toEqual(b);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.uri).toBe(`cas://${a.id}`);
    expect(Buffer.from((await store.get(a.id)) ?? []).toString()).toBe("evidence");
    expect(await store.status(a.id)).toBe("confirmed");
  });

  it("reports unknown and malformed ids as not_found", async () => {
    expect(await store.status("A".repeat(43))).toBe("not_found");
    expect(await store.status("../../etc/passwd")).toBe("not_found");
    expect(await store.get("../x")).toBeUndefined();
  });

  it("tags evidence as ChaosChain does", () => {
    expect(tags).toMatchObject({ "App-Name": "ChaosChain", "App-Version": "0.1.0", "ChaosChain-Epoch": "1", "ChaosChain-Studio": "0xS" });
  });
});
