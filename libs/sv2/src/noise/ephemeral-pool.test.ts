import { waitFor } from "@gatehouse/testkit";
import { afterEach, describe, expect, it } from "@jest/globals";
import { ellswiftDecode } from "./ellswift.js";
import { EllSwiftKeyPool } from "./ephemeral-pool.js";

let pool: EllSwiftKeyPool | undefined;
afterEach(() => pool?.stop());

describe("EllSwiftKeyPool", () => {
  it("fills to capacity in the background, hands out each key once, and refills", async () => {
    pool = new EllSwiftKeyPool(6, 2);
    await waitFor(() => pool?.available === 6, { timeoutMs: 5000, description: "pool filled" });
    const taken = Array.from({ length: 6 }, () => (pool as EllSwiftKeyPool).take());
    expect(new Set(taken.map((k) => Buffer.from(k.ellswift).toString("hex"))).size).toBe(6);
    for (const k of taken) expect(ellswiftDecode(k.ellswift)).toEqual(k.xOnly);
    expect(pool.generatedInline).toBe(0);
    await waitFor(() => pool?.available === 6, { timeoutMs: 5000, description: "pool refilled" });
  });

  it("generates inline when empty, and stops refilling once stopped", () => {
    pool = new EllSwiftKeyPool(4, 1);
    const key = pool.take();
    expect(ellswiftDecode(key.ellswift)).toEqual(key.xOnly);
    expect(pool.generatedInline).toBe(1);
    pool.stop();
    expect(pool.available).toBe(0);
  });
});
