import { describe, expect, it } from "@jest/globals";
import { DedupWindow } from "./dedup.js";

describe("the share_id dedup window", () => {
  it("recognises a recorded event and a replayed share_id under a new event", () => {
    const window = new DedupWindow(3);
    window.remember("s1", "e1");
    expect(window.check("s1", "e1")).toBe("already_recorded");
    expect(window.check("s1", "e2")).toBe("replay");
    expect(window.check("s2", "e3")).toBe("new");
  });

  it("forgets the oldest entry exactly when the window is exceeded", () => {
    const window = new DedupWindow(3);
    for (const n of [1, 2, 3]) window.remember(`s${n}`, `e${n}`);
    expect(window.check("s1", "x")).toBe("replay");
    window.remember("s4", "e4");
    expect(window.check("s1", "x")).toBe("new");
    expect(window.check("s2", "x")).toBe("replay");
    expect(window.size).toBe(3);
  });

  it("keeps exactly the last N distinct results over many rounds; remembering a known one again evicts nothing", () => {
    const window = new DedupWindow(3);
    for (let n = 1; n <= 10; n++) window.remember(`s${n}`, `e${n}`);
    window.remember("s9", "e9");
    expect([1, 7].map((n) => window.check(`s${n}`, `e${n}`))).toEqual(["new", "new"]);
    expect([8, 9, 10].map((n) => window.check(`s${n}`, `e${n}`))).toEqual(["already_recorded", "already_recorded", "already_recorded"]);
    window.remember("s11", "e11");
    expect(window.check("s8", "e8")).toBe("new");
    expect(window.check("s9", "x")).toBe("replay");
    expect(window.size).toBe(3);
  });

  it("a size of 0 disables it", () => {
    const window = new DedupWindow(0);
    window.remember("s1", "e1");
    expect(window.check("s1", "e1")).toBe("new");
  });
});
