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

  it("a size of 0 disables it", () => {
    const window = new DedupWindow(0);
    window.remember("s1", "e1");
    expect(window.check("s1", "e1")).toBe("new");
  });
});
