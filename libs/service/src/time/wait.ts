import { type Clock, systemClock } from "./clock.js";

export interface WaitOptions {
  /** How long to keep polling; 10 s unless set. */
  timeoutMs?: number;
  /** The pause between polls; 25 ms unless set. */
  intervalMs?: number;
  /** What is awaited, for the timeout's message. */
  description?: string;
  /**
   * What a throwing condition means: `"retry"` (the default) counts it as not yet and reports the
   * last error on timeout; `"fail"` ends the wait with that error (a check that knows it is hopeless).
   */
  onError?: "retry" | "fail";
  /** What the deadline is read from (systemClock unless set); the pause between polls is a real timer. */
  clock?: Clock;
}

/** A condition that did not hold within the time given. */
export class WaitTimeoutError extends Error {
  override readonly name = "WaitTimeoutError";
  constructor(
    readonly description: string,
    readonly timeoutMs: number,
    /** The condition's last error, when it threw while retried. */
    readonly lastError: unknown,
  ) {
    const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : "";
    super(`timed out after ${timeoutMs} ms waiting for ${description}${cause}`);
  }
}

/**
 * Polls `condition` until it gives a truthy value, or undefined once `timeoutMs` has passed; the
 * condition is always asked at least once. `lastError` is the condition's last error while retried.
 */
export async function pollUntil<T>(
  condition: () => T | Promise<T>,
  options: WaitOptions = {},
): Promise<{ value?: NonNullable<T>; lastError?: unknown }> {
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return { value: value as NonNullable<T> };
    } catch (err) {
      if (options.onError === "fail") throw err;
      lastError = err;
    }
    if (clock.now() > deadline) return { lastError };
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}

/** Polls `condition` until it gives a truthy value and resolves it, or fails with WaitTimeoutError. */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const result = await pollUntil(condition, options);
  if (result.value !== undefined) return result.value;
  throw new WaitTimeoutError(options.description ?? "condition", options.timeoutMs ?? 10_000, result.lastError);
}
