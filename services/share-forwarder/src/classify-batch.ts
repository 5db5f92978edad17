import { type AttemptOutcome, classify, classifyAnswer, type RawAttempt } from "./classify.js";

/** One batch attempt, judged: the request as a whole, and each share it carried. */
export interface BatchVerdict {
  /**
   * The request: for a well-formed 2xx answer `accepted` (the upstream took the batch; what it
   * made of each share is in `shares`), otherwise what `classify` says of the response or error.
   * It alone feeds the outage detector and the request metrics.
   */
  request: AttemptOutcome;
  /** Each share's outcome, in the order the batch carried them. */
  shares: AttemptOutcome[];
}

function malformed(status: number, error: string): AttemptOutcome {
  return { kind: "transient", status, error, unreachable: false };
}

/**
 * A share's entry in a 2xx batch answer: the per-share answer plus its `event_id`, and an
 * optional `status` standing for the HTTP status a per-share POST of it would have had (a
 * non-2xx status is judged exactly as that per-share response would be).
 */
function entryOutcome(batchStatus: number, entry: Record<string, unknown>): AttemptOutcome {
  const status = entry.status;
  if (status === undefined) return classifyAnswer(batchStatus, entry);
  if (typeof status !== "number" || !Number.isInteger(status))
    return malformed(batchStatus, "malformed batch result: status not an integer");
  if (status >= 200 && status < 300) return classifyAnswer(status, entry);
  return classify({ kind: "response", status, body: JSON.stringify(entry) });
}

/**
 * The batch contract: 2xx `{"results": [{"event_id", "accepted", "reason"?, "status"?}, ...]}`,
 * one entry per share. A connection error, a timeout or a non-2xx answer applies to every share
 * as it would to a per-share POST; a malformed answer, a share with no entry or with two, is that
 * share's malformed 2xx (retried). Entries for shares not in the batch are ignored.
 */
export function classifyBatch(attempt: RawAttempt, eventIds: readonly string[]): BatchVerdict {
  const whole = classify(attempt);
  if (attempt.kind === "error" || attempt.status < 200 || attempt.status >= 300) {
    return { request: whole, shares: eventIds.map(() => whole) };
  }
  const { status } = attempt;
  let results: unknown;
  try {
    results = (JSON.parse(attempt.body) as { results?: unknown } | null)?.results;
  } catch {
    results = undefined;
  }
  if (!Array.isArray(results)) {
    const outcome = malformed(status, "malformed batch answer: no results array");
    return { request: outcome, shares: eventIds.map(() => outcome) };
  }
  const entries = new Map<string, Record<string, unknown> | null>();
  for (const entry of results as unknown[]) {
    const id = (entry as { event_id?: unknown } | null)?.event_id;
    if (typeof id !== "string") continue;
    // Two entries for one share leave its outcome unknown: null marks it ambiguous.
    entries.set(id, entries.has(id) ? null : (entry as Record<string, unknown>));
  }
  const shares = eventIds.map((id) => {
    const entry = entries.get(id);
    if (entry === undefined) return malformed(status, "malformed batch answer: no result for this share");
    if (entry === null) return malformed(status, "malformed batch answer: two results for this share");
    return entryOutcome(status, entry);
  });
  return { request: { kind: "accepted", status }, shares };
}
