import { describe, expect, it } from "@jest/globals";
import { EndOfTurn } from "./end-of-turn.js";

/** A scheduler the test runs by hand. */
function manual() {
  const runs: (() => void)[] = [];
  return {
    schedule: (run: () => void) => void runs.push(run),
    runNext: () => (runs.shift() as () => void)(),
    get scheduled() {
      return runs.length;
    },
  };
}

describe("EndOfTurn", () => {
  it("runs the work deferred in one turn together, in order, when the turn ends", () => {
    const clock = manual();
    const ran: string[] = [];
    const turn = new EndOfTurn(() => {}, clock.schedule);
    turn.defer(() => ran.push("ack 1"));
    void turn.call(async () => void ran.push("publish 2"));
    turn.defer(() => ran.push("ack 3"));
    expect(ran).toEqual([]);
    expect(clock.scheduled).toBe(1);
    clock.runNext();
    expect(ran).toEqual(["ack 1", "publish 2", "ack 3"]);
  });

  it("runs a turn's work in one synchronous run: no microtask lands between two deferrals", () => {
    const clock = manual();
    const ran: string[] = [];
    const turn = new EndOfTurn(() => {}, clock.schedule);
    turn.defer(() => queueMicrotask(() => ran.push(`microtask after ${ran.length}`)));
    turn.defer(() => ran.push("ack"));
    turn.defer(() => ran.push("responses"));
    clock.runNext();
    expect(ran).toEqual(["ack", "responses"]);
    return Promise.resolve().then(() => expect(ran).toEqual(["ack", "responses", "microtask after 2"]));
  });

  it("schedules again for work deferred after a run", () => {
    const clock = manual();
    const ran: number[] = [];
    const turn = new EndOfTurn(() => {}, clock.schedule);
    turn.defer(() => ran.push(1));
    clock.runNext();
    turn.defer(() => ran.push(2));
    expect(clock.scheduled).toBe(1);
    clock.runNext();
    expect(ran).toEqual([1, 2]);
  });

  it("gives each call its own outcome, and reports a throwing deferral without stopping the rest", async () => {
    const clock = manual();
    const errors: string[] = [];
    const turn = new EndOfTurn((err) => errors.push((err as Error).message), clock.schedule);
    const ok = turn.call(async () => 1);
    const failsAtOnce = turn.call<number>(() => {
      throw new Error("sync failure");
    });
    turn.defer(() => {
      throw new Error("ack failure");
    });
    const rejects = turn.call<number>(() => Promise.reject(new Error("async failure")));
    const after = turn.call(async () => 4);
    clock.runNext();
    const settled = await Promise.allSettled([ok, failsAtOnce, rejects, after]);
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value : (s.reason as Error).message))).toEqual([
      1,
      "sync failure",
      "async failure",
      4,
    ]);
    expect(errors).toEqual(["ack failure"]);
  });

  it("flush runs the deferred work at once, and the scheduled run then finds nothing to do", () => {
    const clock = manual();
    const ran: number[] = [];
    const turn = new EndOfTurn(() => {}, clock.schedule);
    turn.defer(() => ran.push(1));
    turn.defer(() => ran.push(2));
    turn.flush();
    expect(ran).toEqual([1, 2]);
    clock.runNext();
    expect(ran).toEqual([1, 2]);
  });

  it("runs on setImmediate by default", async () => {
    const turn = new EndOfTurn(() => {});
    await expect(turn.call(async () => 2)).resolves.toBe(2);
  });
});
