import { u256FromLE } from "@gatehouse/bitcoin";
import { waitFor } from "@gatehouse/testkit";
import { describe, expect, it } from "@jest/globals";
import { goalFor, headerFor } from "./header.js";
import { HashScheduler } from "./scheduler.js";

const tip = { generation: 1, prevHash: new Uint8Array(32).fill(3), nbits: 0x1d00ffff, minNtime: 0, networkTarget: 0n };
const header = () => headerFor({ version: 0x20000000, tip, merkleRoot: new Uint8Array(32).fill(5), ntime: 1 });

describe("HashScheduler", () => {
  it("runs several searches side by side, each to its own goal, counting hashes", async () => {
    const s = new HashScheduler(2);
    const easy = 2n ** 248n;
    const searches = [0, 1_000_000, 2_000_000].map((from) =>
      s.search(header(), goalFor({ shareTarget: easy, missTarget: easy }, "hit"), from),
    );
    const results = await Promise.all(searches.map((x) => x.result));
    for (const [i, r] of results.entries()) {
      expect(r).toBeDefined();
      expect(u256FromLE(r?.hash as Buffer)).toBeLessThanOrEqual(easy);
      expect(r?.nonce).toBeGreaterThanOrEqual(i * 1_000_000);
    }
    expect(s.hashes).toBeGreaterThanOrEqual(3);
    expect(s.searching).toBe(0);
  });

  it("a cancelled search resolves undefined; after stop() nothing runs", async () => {
    const s = new HashScheduler(1);
    const impossible = goalFor({ shareTarget: 0n, missTarget: 0n }, "hit");
    const search = s.search(header(), impossible, 0);
    await waitFor(() => s.hashes > 0, { timeoutMs: 5_000, description: "the search hashing" });
    search.cancel();
    expect(await search.result).toBeUndefined();
    const other = s.search(header(), impossible, 0);
    s.stop();
    expect(await other.result).toBeUndefined();
    expect(await s.search(header(), impossible, 0).result).toBeUndefined();
    expect(s.searching).toBe(0);
  });
});
