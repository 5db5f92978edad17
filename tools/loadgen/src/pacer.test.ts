import { describe, expect, it } from "@jest/globals";
import { Pacer } from "./pacer.js";

describe("Pacer", () => {
  it("spaces submissions 1/rate apart", () => {
    const p = new Pacer(2, 1000);
    expect(p.delayMs(1000)).toBe(0);
    p.taken(1000);
    expect(p.delayMs(1000)).toBe(500);
    expect(p.delayMs(1400)).toBe(100);
    p.taken(1500);
    expect(p.delayMs(1500)).toBe(500);
  });

  it("a miner that fell behind sends at most `burst` shares back to back, not everything it missed", () => {
    const p = new Pacer(10, 0, 3);
    p.taken(0);
    // 10 s of slow hashing later: 3 shares may go at once, then the pace resumes.
    const now = 10_000;
    let sent = 0;
    while (p.delayMs(now) === 0 && sent < 100) {
      p.taken(now);
      sent += 1;
    }
    expect(sent).toBe(3);
    expect(p.delayMs(now)).toBe(100);
  });

  it("burst 1: never faster than the rate, even after falling behind", () => {
    const p = new Pacer(10, 0, 1);
    p.taken(0);
    expect(p.delayMs(5000)).toBe(0);
    p.taken(5000);
    expect(p.delayMs(5000)).toBe(100);
    expect(() => new Pacer(10, 0, 0)).toThrow(RangeError);
  });

  it("rate 0 never waits; a negative or infinite rate is refused", () => {
    const p = new Pacer(0, 0);
    for (let i = 0; i < 5; i++) p.taken(0);
    expect(p.delayMs(0)).toBe(0);
    expect(() => new Pacer(-1, 0)).toThrow(RangeError);
    expect(() => new Pacer(Number.POSITIVE_INFINITY, 0)).toThrow(RangeError);
  });
});
