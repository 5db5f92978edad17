import { describe, expect, it } from "@jest/globals";
import { TurnBatch, TurnBatchAnswerError } from "./turn-batch.js";

/** A turn end the test runs by hand. */
function manualTurns() {
  const queued: (() => void)[] = [];
  return {
    schedule: (run: () => void) => queued.push(run),
    endTurn: () => {
      for (const run of queued.splice(0)) run();
    },
    get scheduled() {
      return queued.length;
    },
  };
}

describe("TurnBatch", () => {
  it("answers every request of one turn with one call, each with its own answer in order", async () => {
    const turns = manualTurns();
    const calls: string[][] = [];
    const batch = new TurnBatch(
      async (ids: string[]) => {
        calls.push(ids);
        return ids.map((id) => id.toUpperCase());
      },
      100,
      turns.schedule,
    );
    const answers = Promise.all(["a", "b", "c"].map((id) => batch.ask(id)));
    expect(turns.scheduled).toBe(1);
    expect(calls).toEqual([]);
    turns.endTurn();
    expect(await answers).toEqual(["A", "B", "C"]);
    expect(calls).toEqual([["a", "b", "c"]]);
  });

  it("a request in a later turn goes in a later call", async () => {
    const turns = manualTurns();
    const calls: number[][] = [];
    const batch = new TurnBatch(
      async (xs: number[]) => {
        calls.push(xs);
        return xs.map((x) => x * 2);
      },
      100,
      turns.schedule,
    );
    const first = batch.ask(1);
    turns.endTurn();
    expect(await first).toBe(2);
    const second = batch.ask(2);
    turns.endTurn();
    expect(await second).toBe(4);
    expect(calls).toEqual([[1], [2]]);
  });

  it("a full batch leaves at once; the rest waits for the turn's end", async () => {
    const turns = manualTurns();
    const calls: number[][] = [];
    const batch = new TurnBatch(
      async (xs: number[]) => {
        calls.push(xs);
        return xs;
      },
      2,
      turns.schedule,
    );
    const answers = Promise.all([1, 2, 3].map((x) => batch.ask(x)));
    expect(calls).toEqual([[1, 2]]);
    turns.endTurn();
    expect(await answers).toEqual([1, 2, 3]);
    expect(calls).toEqual([[1, 2], [3]]);
  });

  it("a failed call fails every request in it, and the next turn's call is made afresh", async () => {
    const turns = manualTurns();
    let fail = true;
    const batch = new TurnBatch(
      async (xs: number[]) => {
        if (fail) throw new Error("redis down");
        return xs;
      },
      100,
      turns.schedule,
    );
    const failed = [batch.ask(1), batch.ask(2)].map((p) =>
      p.then(
        () => "answered",
        (err: Error) => err.message,
      ),
    );
    turns.endTurn();
    expect(await Promise.all(failed)).toEqual(["redis down", "redis down"]);
    fail = false;
    const next = batch.ask(3);
    turns.endTurn();
    expect(await next).toBe(3);
  });

  it("a call that throws instead of returning a promise fails every request in it", async () => {
    const turns = manualTurns();
    const batch = new TurnBatch<number, number>(
      () => {
        throw new Error("not connected");
      },
      100,
      turns.schedule,
    );
    const asked = [batch.ask(1), batch.ask(2)];
    turns.endTurn();
    for (const p of asked) await expect(p).rejects.toThrow("not connected");
  });

  it("a call that answers the wrong number of requests fails them all", async () => {
    const turns = manualTurns();
    const batch = new TurnBatch(async (xs: number[]) => xs.slice(1), 100, turns.schedule);
    const asked = [batch.ask(1), batch.ask(2)];
    turns.endTurn();
    for (const p of asked) await expect(p).rejects.toBeInstanceOf(TurnBatchAnswerError);
  });
});
