import { describe, expect, it } from "@jest/globals";
import { TaskWindow } from "./task-window.js";

/** A task that settles when told to. */
function gate(): { task: () => Promise<void>; open(): void; fail(): void } {
  let open = () => {};
  let fail = () => {};
  const settled = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = () => reject(new Error("task failed"));
  });
  settled.catch(() => {});
  return { task: () => settled, open, fail };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("TaskWindow", () => {
  it("has room until `limit` tasks run, and again once one settles, whether it resolves or rejects", async () => {
    const window = new TaskWindow(2);
    const [a, b, c] = [gate(), gate(), gate()];
    await window.room();
    window.run(a.task);
    await window.room();
    window.run(b.task);
    expect(window.running).toBe(2);
    let roomy = false;
    const room = window.room().then(() => {
      roomy = true;
    });
    await turn();
    expect(roomy).toBe(false);
    b.fail();
    await room;
    expect(window.running).toBe(1);
    window.run(c.task);
    a.open();
    c.open();
    await window.idle();
    expect(window.running).toBe(0);
  });

  it("counts a task that throws before returning its promise, and idle waits for every task", async () => {
    const window = new TaskWindow(3);
    window.run(() => {
      throw new Error("synchronous");
    });
    const slow = gate();
    window.run(slow.task);
    let idle = false;
    const done = window.idle().then(() => {
      idle = true;
    });
    await turn();
    expect(idle).toBe(false);
    expect(window.running).toBe(1);
    slow.open();
    await done;
    expect(window.running).toBe(0);
  });

  it("refuses a window that could hold no task", () => {
    expect(() => new TaskWindow(0)).toThrow(RangeError);
    expect(() => new TaskWindow(1.5)).toThrow(RangeError);
  });
});
