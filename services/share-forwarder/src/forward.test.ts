import { GatewayReason } from "@gatehouse/proto/mining/v1";
import { describe, expect, it } from "@jest/globals";
import type { RawAttempt } from "./classify.js";
import { type AttemptDeps, type ForwardDeps, forwardShare, postShare } from "./forward.js";
import { UpstreamHealth } from "./health.js";

const ok: RawAttempt = { kind: "response", status: 200, body: '{"accepted":true}' };
const err500: RawAttempt = { kind: "response", status: 500, body: "boom" };
const refusedConn: RawAttempt = { kind: "error", timeout: false, message: "ECONNREFUSED" };

/** A scripted upstream: answers in order (the last answer repeats) and records what it was sent. */
function harness(answers: RawAttempt[], options: { retries?: number; outageAfter?: number } = {}) {
  const sent: { id: string; timestamp: string }[] = [];
  const sleeps: number[] = [];
  let clock = 1_700_000_000_000;
  const deps: AttemptDeps & ForwardDeps = {
    post: async (_body, headers) => {
      sent.push({ id: headers["webhook-id"], timestamp: headers["webhook-timestamp"] });
      return answers[Math.min(sent.length - 1, answers.length - 1)] as RawAttempt;
    },
    sign: (id, _body, nowMs) => ({ "webhook-id": id, "webhook-timestamp": String(Math.floor(nowMs / 1000)), "webhook-signature": "v1,x" }),
    health: new UpstreamHealth(options.outageAfter ?? 100),
    retries: options.retries ?? 2,
    backoff: { baseMs: 2_000, maxMs: 10_000, retryAfterMaxMs: 10_000 },
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
      return true;
    },
    now: () => clock,
  };
  return {
    deps,
    sent,
    sleeps,
    run: () => forwardShare(() => postShare("e".repeat(64), Buffer.from("{}"), deps), deps, new AbortController().signal),
  };
}

describe("forwarding one share", () => {
  it("accepted on the first attempt", async () => {
    const h = harness([ok]);
    expect(await h.run()).toEqual({
      kind: "final",
      outcome: {
        forwarded: true,
        upstreamAccepted: true,
        upstreamHttpStatus: 200,
        reasonCode: GatewayReason.GATEWAY_REASON_UNSPECIFIED,
        attempts: 1,
      },
    });
  });

  it("retries 5xx with backoff, keeping the id and refreshing the timestamp", async () => {
    const h = harness([err500, err500, ok]);
    expect(await h.run()).toMatchObject({ kind: "final", outcome: { forwarded: true, upstreamAccepted: true, attempts: 3 } });
    expect(new Set(h.sent.map((s) => s.id)).size).toBe(1);
    expect(h.sleeps).toHaveLength(2);
    expect(h.sent[2]?.timestamp).not.toBe(h.sent[0]?.timestamp);
  });

  it("gives up after retries+1 attempts with share_forward_failed", async () => {
    const h = harness([err500], { retries: 2 });
    expect(await h.run()).toEqual({
      kind: "final",
      outcome: {
        forwarded: false,
        upstreamHttpStatus: 500,
        upstreamError: "boom",
        reasonCode: GatewayReason.share_forward_failed,
        attempts: 3,
      },
    });
    expect(h.sent).toHaveLength(3);
  });

  it("a connection error leaves no HTTP status", async () => {
    const h = harness([refusedConn], { retries: 0 });
    const verdict = await h.run();
    expect(verdict).toMatchObject({ kind: "final", outcome: { forwarded: false, reasonCode: GatewayReason.share_forward_failed } });
    expect(verdict.kind === "final" && verdict.outcome.upstreamHttpStatus).toBeUndefined();
  });

  it("does not retry a 4xx", async () => {
    const h = harness([{ kind: "response", status: 422, body: '{"error":"bad"}' }, ok]);
    expect(await h.run()).toMatchObject({
      kind: "final",
      outcome: { forwarded: false, upstreamHttpStatus: 422, upstreamError: "bad", attempts: 1 },
    });
    expect(h.sent).toHaveLength(1);
  });

  it("retries 429 honouring Retry-After", async () => {
    const h = harness([{ kind: "response", status: 429, body: "", retryAfterMs: 3_000 }, ok]);
    expect(await h.run()).toMatchObject({ kind: "final", outcome: { upstreamAccepted: true, attempts: 2 } });
    expect(h.sleeps).toEqual([3_000]);
  });

  it("records an upstream rejection with its reason", async () => {
    const h = harness([{ kind: "response", status: 200, body: '{"accepted":false,"reason":"stale"}' }]);
    expect(await h.run()).toMatchObject({
      kind: "final",
      outcome: { forwarded: true, upstreamAccepted: false, upstreamError: "stale", reasonCode: GatewayReason.share_upstream_rejected },
    });
  });

  it("holds the share instead of failing it while the upstream is unreachable", async () => {
    const h = harness([refusedConn], { retries: 2, outageAfter: 2 });
    expect(await h.run()).toEqual({ kind: "held" });
    expect(h.sleeps).toHaveLength(3);
  });

  it("stops when shutdown begins", async () => {
    const h = harness([err500]);
    h.deps.sleep = async () => false;
    expect(await h.run()).toEqual({ kind: "abandoned" });
  });
});
