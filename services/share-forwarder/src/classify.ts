/** What one HTTP attempt produced. */
export type RawAttempt =
  | { kind: "response"; status: number; body: string; retryAfterMs?: number }
  | { kind: "error"; timeout: boolean; message: string };

/** One attempt, judged by the upstream contract. */
export type AttemptOutcome =
  /** 2xx {"accepted": true} (a repeated delivery the upstream already holds counts too). */
  | { kind: "accepted"; status: number }
  /** 2xx {"accepted": false, "reason"}: final, share_upstream_rejected. */
  | { kind: "rejected"; status: number; reason: string }
  /** 3xx and 4xx other than 408/429: final, share_forward_failed. */
  | { kind: "refused"; status: number; error: string }
  /**
   * Worth retrying: 5xx, 408, 429, timeouts, connection errors, malformed 2xx. `unreachable`
   * when the upstream itself looks down (connection error, timeout, 5xx), which feeds the
   * outage detector.
   */
  | { kind: "transient"; status?: number; error: string; unreachable: boolean; retryAfterMs?: number };

const MAX_ERROR_CHARS = 256;

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_ERROR_CHARS ? `${flat.slice(0, MAX_ERROR_CHARS)}…` : flat;
}

function errorOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; reason?: unknown };
    if (typeof parsed.error === "string") return excerpt(parsed.error);
    if (typeof parsed.reason === "string") return excerpt(parsed.reason);
  } catch {
    // Not JSON: the text itself is the best description.
  }
  return excerpt(body);
}

/**
 * A 2xx answer's parsed body for one share: {"accepted": true} or {"accepted": false, "reason"};
 * anything else is malformed (retried, not an outage). Batch mode judges each share's entry so.
 */
export function classifyAnswer(status: number, parsed: unknown): AttemptOutcome {
  const accepted = (parsed as { accepted?: unknown } | null)?.accepted;
  if (accepted === true) return { kind: "accepted", status };
  if (accepted === false) {
    const reason = (parsed as { reason?: unknown }).reason;
    return { kind: "rejected", status, reason: typeof reason === "string" ? excerpt(reason) : "" };
  }
  return { kind: "transient", status, error: "malformed 2xx body: no boolean accepted", unreachable: false };
}

export function classify(attempt: RawAttempt): AttemptOutcome {
  if (attempt.kind === "error") {
    return { kind: "transient", error: excerpt(attempt.timeout ? `timeout: ${attempt.message}` : attempt.message), unreachable: true };
  }
  const { status, body } = attempt;
  const retryAfter = attempt.retryAfterMs === undefined ? {} : { retryAfterMs: attempt.retryAfterMs };
  if (status >= 200 && status < 300) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { kind: "transient", status, error: "malformed 2xx body: not JSON", unreachable: false };
    }
    return classifyAnswer(status, parsed);
  }
  if (status === 408 || status === 429)
    return { kind: "transient", status, error: errorOf(body) || `HTTP ${status}`, unreachable: false, ...retryAfter };
  if (status >= 500) return { kind: "transient", status, error: errorOf(body) || `HTTP ${status}`, unreachable: true, ...retryAfter };
  return { kind: "refused", status, error: errorOf(body) || `HTTP ${status}` };
}
