import { describe, expect, it } from "@jest/globals";
import { CrashPoints } from "./crash-points.js";

/** SET key value NX, as Redis answers it. */
function fakeRedis() {
  const keys = new Map<string, string>();
  return {
    keys,
    set: async (key: string, value: string, _nx: "NX") => {
      if (keys.has(key)) return null;
      keys.set(key, value);
      return "OK" as const;
    },
  };
}

/** A CrashPoints whose death is observable: `diesAt` tells whether a hit died (it never returns when it does). */
function crashPoints(points: string[], redis: ReturnType<typeof fakeRedis>) {
  let died: () => void = () => undefined;
  let deaths = 0;
  const crash = new CrashPoints(points, redis as never, () => {
    deaths += 1;
    died();
  });
  return {
    deaths: () => deaths,
    diesAt: async (...names: string[]): Promise<boolean> => {
      const death = new Promise<true>((resolve) => {
        died = () => resolve(true);
      });
      return Promise.race([crash.hit(...names).then(() => false), death]);
    },
  };
}

describe("CrashPoints", () => {
  it("dies once at a configured point and passes it after", async () => {
    const redis = fakeRedis();
    const { diesAt } = crashPoints(["after_sign:A"], redis);
    expect(await diesAt("after_sign:A")).toBe(true);
    expect(await diesAt("after_sign:A")).toBe(false);
    expect(await diesAt("after_sign:B")).toBe(false);
    expect([...redis.keys.keys()]).toEqual(["crash:after_sign:A"]);
  });

  it("at several points at once, one death passes every one of them", async () => {
    const redis = fakeRedis();
    const { diesAt, deaths } = crashPoints(["after_sign:A", "after_sign:B", "after_sign:C"], redis);
    expect(await diesAt("after_sign:A", "after_sign:B", "after_sign:X")).toBe(true);
    expect(deaths()).toBe(1);
    expect([...redis.keys.keys()].sort()).toEqual(["crash:after_sign:A", "crash:after_sign:B"]);
    // A restart that comes to B again (its transaction found signed) goes on; C still fires.
    expect(await diesAt("after_sign:B")).toBe(false);
    expect(await diesAt("after_sign:B", "after_sign:C")).toBe(true);
  });
});
