import { describe, expect, it } from "@jest/globals";
import { StartupTimeoutError } from "./errors.js";
import { until } from "./probe.js";

describe("until", () => {
  it("resolves once the check holds", async () => {
    let calls = 0;
    await until(async () => ++calls === 3, 5_000, "three calls", 1);
    expect(calls).toBe(3);
  });
  it("gives up with StartupTimeoutError naming what did not come up", async () => {
    const failure = until(async () => false, 20, "bcoin", 5);
    await expect(failure).rejects.toThrow(StartupTimeoutError);
    await expect(failure).rejects.toThrow("bcoin did not come up within 20 ms");
  });
});
