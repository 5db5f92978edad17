import { describe, expect, it } from "@jest/globals";
import { batchBody, batchBytes, batchTake, batchWebhookId } from "./batch.js";

const body = (text: string) => Buffer.from(text);

describe("batch assembly", () => {
  it('wraps each share\'s own bytes, unchanged, in {"shares": [...]}', () => {
    const bodies = [body('{"event_id":"a"}'), body('{"event_id":"b"}')];
    const joined = batchBody(bodies);
    expect(joined.toString()).toBe('{"shares":[{"event_id":"a"},{"event_id":"b"}]}');
    expect(JSON.parse(joined.toString())).toEqual({ shares: [{ event_id: "a" }, { event_id: "b" }] });
    expect(joined.length).toBe(batchBytes(bodies.map((b) => b.length)));
    expect(batchBody([]).toString()).toBe('{"shares":[]}');
    expect(batchBytes([])).toBe(13);
  });

  it("takes up to maxShares", () => {
    expect(batchTake([10, 10, 10, 10], 3, 1_000)).toBe(3);
    expect(batchTake([10, 10], 3, 1_000)).toBe(2);
    expect(batchTake([], 3, 1_000)).toBe(0);
  });

  it("takes no more than fit in maxBytes, counting the wrapper and the commas", () => {
    // 13 bytes of wrapper + 10 + 1 + 10 = 34: two fit in 34, not in 33.
    expect(batchTake([10, 10, 10], 10, 34)).toBe(2);
    expect(batchTake([10, 10, 10], 10, 33)).toBe(1);
    for (const cap of [40, 100, 257]) {
      const sizes = [7, 30, 12, 50, 3, 9];
      const taken = batchTake(sizes, 100, cap);
      expect(batchBytes(sizes.slice(0, taken))).toBeLessThanOrEqual(cap);
      if (taken < sizes.length) expect(batchBytes(sizes.slice(0, taken + 1))).toBeGreaterThan(cap);
    }
  });

  it("still takes one share larger than the cap, alone", () => {
    expect(batchTake([5_000, 10], 10, 100)).toBe(1);
  });

  it("names each batch by its shares: the same shares the same id, any other set or order another, never a '.'", () => {
    const id = batchWebhookId(["a", "b"]);
    expect(id).toMatch(/^batch_[0-9a-f]{64}$/);
    expect(batchWebhookId(["a", "b"])).toBe(id);
    expect(batchWebhookId(["b", "a"])).not.toBe(id);
    expect(batchWebhookId(["a"])).not.toBe(id);
  });
});
