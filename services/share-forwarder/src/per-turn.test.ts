import { describe, expect, it } from "@jest/globals";
import { PerTurn } from "./per-turn.js";

/** A scheduler the test runs by hand. */
function manual() {
  const flushes: (() => void)[] = [];
  return {
    schedule: (flush: () => void) => void flushes.push(flush),
    runNext: () => (flushes.shift() as () => void)(),
    get scheduled() {
      return flushes.length;
    },
  };
}

describe("PerTurn", () => {
  it("starts the calls of one turn together, in order, when the turn ends", async () => {
    const clock = manual();
    const started: number[] = [];
    const perTurn = new PerTurn<number, number>(async (n) => {
      started.push(n);
      return n * 10;
    }, clock.schedule);
    const results = [perTurn.call(1), perTurn.call(2), perTurn.call(3)];
    expect(started).toEqual([]);
    expect(clock.scheduled).toBe(1);
    clock.runNext();
    expect(started).toEqual([1, 2, 3]);
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30]);
  });

  it("schedules a new flush for calls made after one ran", async () => {
    const clock = manual();
    const started: number[] = [];
    const perTurn = new PerTurn<number, void>(async (n) => void started.push(n), clock.schedule);
    const first = perTurn.call(1);
    clock.runNext();
    const second = perTurn.call(2);
    expect(clock.scheduled).toBe(1);
    clock.runNext();
    await Promise.all([first, second]);
    expect(started).toEqual([1, 2]);
  });

  it("gives each call its own outcome: one failing does not fail the others", async () => {
    const clock = manual();
    const perTurn = new PerTurn<number, number>((n) => {
      if (n === 2) throw new Error("sync failure");
      if (n === 3) return Promise.reject(new Error("async failure"));
      return Promise.resolve(n);
    }, clock.schedule);
    const results = [1, 2, 3, 4].map((n) => perTurn.call(n));
    clock.runNext();
    const settled = await Promise.allSettled(results);
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value : (s.reason as Error).message))).toEqual([
      1,
      "sync failure",
      "async failure",
      4,
    ]);
  });

  it("runs on setImmediate by default", async () => {
    const perTurn = new PerTurn<number, number>(async (n) => n + 1);
    await expect(perTurn.call(1)).resolves.toBe(2);
  });
});
