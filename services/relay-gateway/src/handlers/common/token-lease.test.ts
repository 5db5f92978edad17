import { ManualClock } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { TokenLease } from "./token-lease.js";

describe("TokenLease", () => {
  it("spends exactly the tokens added", () => {
    const lease = new TokenLease(1_000, new ManualClock(0));
    expect(lease.take()).toBe(false);
    lease.add(2);
    expect([lease.take(), lease.take(), lease.take()]).toEqual([true, true, false]);
  });

  it("loses unspent tokens when it expires, and a grant renews what is left", () => {
    const clock = new ManualClock(0);
    const lease = new TokenLease(1_000, clock);
    lease.add(3);
    clock.advance(600);
    lease.add(1);
    clock.advance(600);
    expect(lease.remaining).toBe(4);
    clock.advance(400);
    expect(lease.remaining).toBe(0);
    expect(lease.take()).toBe(false);
    lease.add(1);
    expect(lease.remaining).toBe(1);
  });

  it("ignores empty grants", () => {
    const lease = new TokenLease(1_000, new ManualClock(0));
    lease.add(0);
    expect(lease.remaining).toBe(0);
  });
});
