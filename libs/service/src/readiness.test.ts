import { describe, expect, it } from "@jest/globals";
import { InvariantError } from "./errors.js";
import { Readiness } from "./readiness.js";

describe("Readiness", () => {
  it("is not ready before start, then follows its probes", async () => {
    const readiness = new Readiness();
    let redisUp = false;
    readiness.add("redis", () => (redisUp ? { ok: true } : { ok: false, reason: "redis connecting" }));
    expect((await readiness.evaluate()).checks).toEqual([
      { name: "startup", ok: false, reason: "starting" },
      { name: "redis", ok: false, reason: "redis connecting" },
    ]);
    readiness.markStarted();
    expect((await readiness.evaluate()).ready).toBe(false);
    redisUp = true;
    expect(await readiness.evaluate()).toEqual({ ready: true, checks: [{ name: "redis", ok: true, reason: "" }] });
    readiness.markStopping();
    expect((await readiness.evaluate()).ready).toBe(false);
  });

  it("turns a throwing probe into a failed check with its message", async () => {
    const readiness = new Readiness();
    readiness.markStarted();
    readiness.add("nats", () => {
      throw new Error("connection refused");
    });
    expect((await readiness.evaluate()).checks).toEqual([{ name: "nats", ok: false, reason: "connection refused" }]);
  });

  it("refuses the same probe name twice", () => {
    const readiness = new Readiness();
    readiness.add("a", () => ({ ok: true }));
    expect(() => readiness.add("a", () => ({ ok: true }))).toThrow(InvariantError);
  });
});
