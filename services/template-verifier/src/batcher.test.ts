import { describe, expect, it } from "@jest/globals";
import { Batcher } from "./batcher.js";

describe("Batcher", () => {
  it("hands over everything added in one run together, on the next macrotask", async () => {
    const batches: number[][] = [];
    const b = new Batcher<number>(100, (items) => batches.push(items));
    for (let i = 0; i < 5; i++) b.add(i);
    await Promise.resolve();
    expect(batches).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[0, 1, 2, 3, 4]]);
  });

  it("never holds more than maxBatch items", () => {
    const batches: number[][] = [];
    const b = new Batcher<number>(3, (items) => batches.push(items));
    for (let i = 0; i < 7; i++) b.add(i);
    expect(batches).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    b.drain();
    expect(batches[2]).toEqual([6]);
  });
});
