/**
 * Waits `ms`, or less if `signal` aborts first. Resolves true when the time passed, false when the
 * signal cut it short (at once if it already had). The abort listener is removed either way, so a
 * loop sleeping on one long-lived signal does not pile listeners on it.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
