import { GatewayReason } from "@gatehouse/proto/mining/v1";
import type { ForwardOutcome } from "@gatehouse/shares";
import { type AttemptOutcome, classify, type RawAttempt } from "./classify.js";
import type { UpstreamHealth } from "./health.js";
import { type BackoffPolicy, retryDelayMs } from "./retry.js";
import type { WebhookHeaders } from "./signing.js";

/** What one signed POST of one share needs. */
export interface AttemptDeps {
  post(body: Uint8Array, headers: WebhookHeaders): Promise<RawAttempt>;
  sign(id: string, body: Uint8Array, nowMs: number): WebhookHeaders;
  health: UpstreamHealth;
  onAttempt?(outcome: AttemptOutcome, seconds: number): void;
  now?(): number;
}

export interface ForwardDeps {
  /** Consulted after each attempt: a share whose retries run out while the upstream is down is held. */
  health: UpstreamHealth;
  retries: number;
  backoff: BackoffPolicy;
  /** Resolves after `ms`, or early (false) when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<boolean>;
}

/**
 * One attempt of per-share mode: one signed POST (the share's event_id as webhook-id, a fresh
 * timestamp and signature), judged, and counted towards the upstream's health.
 */
export async function postShare(eventId: string, body: Uint8Array, deps: AttemptDeps): Promise<AttemptOutcome> {
  const started = performance.now();
  const outcome = classify(await deps.post(body, deps.sign(eventId, body, (deps.now ?? Date.now)())));
  deps.onAttempt?.(outcome, (performance.now() - started) / 1000);
  deps.health.record(outcome);
  return outcome;
}

/**
 * `held`: the upstream is unreachable, so the share stays queued instead of failing (it is
 * retried when the upstream is back). `abandoned`: shutdown began; the share stays queued.
 */
export type ForwardVerdict = { kind: "final"; outcome: ForwardOutcome } | { kind: "held" } | { kind: "abandoned" };

function finalOutcome(outcome: AttemptOutcome, attempts: number): ForwardOutcome | undefined {
  switch (outcome.kind) {
    case "accepted":
      return {
        forwarded: true,
        upstreamAccepted: true,
        upstreamHttpStatus: outcome.status,
        reasonCode: GatewayReason.GATEWAY_REASON_UNSPECIFIED,
        attempts,
      };
    case "rejected":
      return {
        forwarded: true,
        upstreamAccepted: false,
        upstreamHttpStatus: outcome.status,
        upstreamError: outcome.reason,
        reasonCode: GatewayReason.share_upstream_rejected,
        attempts,
      };
    case "refused":
      return {
        forwarded: false,
        upstreamHttpStatus: outcome.status,
        upstreamError: outcome.error,
        reasonCode: GatewayReason.share_forward_failed,
        attempts,
      };
    default:
      return undefined;
  }
}

/**
 * One share to the upstream: up to retries+1 attempts (`attempt` makes one: a per-share POST, or
 * the share's place in a batch), backing off between them. Ends with the share's final outcome,
 * or holds it while the upstream is unreachable.
 */
export async function forwardShare(
  attempt: () => Promise<AttemptOutcome>,
  deps: ForwardDeps,
  signal: AbortSignal,
): Promise<ForwardVerdict> {
  let last: AttemptOutcome | undefined;
  for (let tried = 0; tried <= deps.retries; tried++) {
    if (signal.aborted) return { kind: "abandoned" };
    const outcome = await attempt();
    const final = finalOutcome(outcome, tried + 1);
    if (final) return { kind: "final", outcome: final };
    last = outcome;
    const retryAfter = outcome.kind === "transient" ? outcome.retryAfterMs : undefined;
    const isLast = tried === deps.retries;
    // After the last attempt, wait only when holding: that wait paces the probing of a down upstream.
    if (isLast && !deps.health.down) break;
    if (!(await deps.sleep(retryDelayMs(tried, deps.backoff, retryAfter), signal))) return { kind: "abandoned" };
  }
  if (deps.health.down) return { kind: "held" };
  const failed = last as Extract<AttemptOutcome, { kind: "transient" }>;
  return {
    kind: "final",
    outcome: {
      forwarded: false,
      ...(failed.status === undefined ? {} : { upstreamHttpStatus: failed.status }),
      upstreamError: failed.error,
      reasonCode: GatewayReason.share_forward_failed,
      attempts: deps.retries + 1,
    },
  };
}
