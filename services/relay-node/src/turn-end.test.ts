import { describe, expect, it } from "@jest/globals";
import { TurnEnd } from "./turn-end.js";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("TurnEnd", () => {
  it("runs the tasks of a turn after it, in one callback, in the order they were deferred", async () => {
    const turnEnd = new TurnEnd();
    const ran: string[] = [];
    turnEnd.defer(() => ran.push("ack"));
    await Promise.resolve();
    turnEnd.defer(() => ran.push("responses"));
    // A microtask between the tasks would see them half done; none runs.
    turnEnd.defer(() => queueMicrotask(() => ran.push(`microtask after ${ran.length}`)));
    expect(ran).toEqual([]);
    await nextTurn();
    expect(ran).toEqual(["ack", "responses", "microtask after 2"]);
  });

  it("takes a later turn's tasks in a callback of their own", async () => {
    const turnEnd = new TurnEnd();
    const ran: string[] = [];
    turnEnd.defer(() => ran.push("first"));
    await nextTurn();
    turnEnd.defer(() => ran.push("second"));
    expect(ran).toEqual(["first"]);
    await nextTurn();
    expect(ran).toEqual(["first", "second"]);
  });
});
