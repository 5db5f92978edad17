import { describe, expect, it } from "@jest/globals";
import { InOrder } from "./in-order.js";

function deferred() {
  let resolve: () => void = () => {};
  let reject: (err: Error) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("InOrder", () => {
  it("runs synchronous handlers at once, in push order", () => {
    const seen: number[] = [];
    const runner = new InOrder<number>(
      (n) => {
        seen.push(n);
      },
      () => {},
    );
    for (const n of [1, 2, 3]) runner.push(n);
    expect(seen).toEqual([1, 2, 3]);
  });

  it("holds later items until an async handler settles", async () => {
    const seen: string[] = [];
    const gate = deferred();
    const runner = new InOrder<number>(
      (n) => {
        seen.push(`start ${n}`);
        if (n === 1) return gate.promise.then(() => void seen.push("end 1"));
      },
      () => {},
    );
    runner.push(1);
    runner.push(2);
    runner.push(3);
    expect(seen).toEqual(["start 1"]);
    const idle = runner.idle();
    gate.resolve();
    await idle;
    expect(seen).toEqual(["start 1", "end 1", "start 2", "start 3"]);
  });

  it("reports a throwing or rejecting handler and goes on with the next item", async () => {
    const errors: [string, number][] = [];
    const seen: number[] = [];
    const runner = new InOrder<number>(
      (n) => {
        seen.push(n);
        if (n === 1) throw new Error("sync");
        if (n === 2) return Promise.reject(new Error("async"));
      },
      (err, n) => errors.push([(err as Error).message, n]),
    );
    runner.push(1);
    runner.push(2);
    runner.push(3);
    await runner.idle();
    expect(seen).toEqual([1, 2, 3]);
    expect(errors).toEqual([
      ["sync", 1],
      ["async", 2],
    ]);
  });

  it("keeps order when the handled head is dropped while a handler holds the queue", async () => {
    const seen: number[] = [];
    const gate = deferred();
    const runner = new InOrder<number>(
      async (n) => {
        if (n === 1_500) await gate.promise;
        seen.push(n);
      },
      () => {},
    );
    for (let n = 0; n <= 1_500; n++) runner.push(n);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toHaveLength(1_500);
    for (let n = 1_501; n < 3_000; n++) runner.push(n);
    gate.resolve();
    await runner.idle();
    expect(seen).toEqual(Array.from({ length: 3_000 }, (_, n) => n));
  });

  it("is idle at once when nothing is pending", async () => {
    const runner = new InOrder<number>(
      () => {},
      () => {},
    );
    await expect(runner.idle()).resolves.toBeUndefined();
  });
});
