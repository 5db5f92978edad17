import { describe, expect, it } from "@jest/globals";
import { pollUntil, WaitTimeoutError, waitFor } from "./wait.js";

describe("waitFor", () => {
  it("resolves the condition's first truthy value", async () => {
    let calls = 0;
    expect(await waitFor(() => (++calls === 3 ? "ready" : undefined), { intervalMs: 1 })).toBe("ready");
    expect(calls).toBe(3);
  });

  it("fails with WaitTimeoutError naming what it waited for and the last error", async () => {
    const failure = waitFor(
      () => {
        throw new Error("connection refused");
      },
      { timeoutMs: 20, intervalMs: 5, description: "bcoin" },
    );
    await expect(failure).rejects.toThrow(WaitTimeoutError);
    await expect(failure).rejects.toThrow("timed out after 20 ms waiting for bcoin; last error: connection refused");
    await expect(failure).rejects.toMatchObject({ description: "bcoin", timeoutMs: 20 });
  });

  it("retries through a throwing condition by default", async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        if (++calls < 3) throw new Error("not yet");
        return true;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe(true);
  });

  it("ends the wait with the condition's error when told to fail on it", async () => {
    let calls = 0;
    const hopeless = new Error("exited before it was ready");
    const failure = waitFor(
      () => {
        calls++;
        throw hopeless;
      },
      { intervalMs: 1, onError: "fail" },
    );
    await expect(failure).rejects.toBe(hopeless);
    expect(calls).toBe(1);
  });
});

describe("pollUntil", () => {
  it("resolves without a value once the time has passed, having asked at least once", async () => {
    let calls = 0;
    const result = await pollUntil(() => ++calls < 0, { timeoutMs: 0, intervalMs: 1 });
    expect(result.value).toBeUndefined();
    expect(calls).toBeGreaterThanOrEqual(1);
  });
});
