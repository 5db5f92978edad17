import { describe, expect, it } from "@jest/globals";
import { batchWebhookId } from "./batch.js";
import { type BatcherOptions, ShareBatcher } from "./batcher.js";
import type { RawAttempt } from "./classify.js";
import { UpstreamHealth } from "./health.js";

const id = (n: number) => n.toString(16).padStart(64, "0");
const share = (n: number) => Buffer.from(JSON.stringify({ event_id: id(n) }));
const acceptAll = (body: Uint8Array): RawAttempt => {
  const { shares } = JSON.parse(Buffer.from(body).toString()) as { shares: { event_id: string }[] };
  return {
    kind: "response",
    status: 200,
    body: JSON.stringify({ results: shares.map((s) => ({ event_id: s.event_id, accepted: true })) }),
  };
};

/** A batcher over a scripted upstream and a hand-driven timer. */
function harness(options: Partial<BatcherOptions> = {}, answer: (body: Uint8Array) => RawAttempt = acceptAll, outageAfter = 3) {
  const posts: { body: unknown; webhookId: string }[] = [];
  const timers: { run: () => void; ms: number; cancelled: boolean }[] = [];
  const requests: { kind: string; shares: number }[] = [];
  const health = new UpstreamHealth(outageAfter);
  const batcher = new ShareBatcher(
    { maxShares: 3, maxBytes: 64 * 1024, maxWaitMs: 5, ...options },
    {
      post: async (body, headers) => {
        posts.push({ body: JSON.parse(Buffer.from(body).toString()), webhookId: headers["webhook-id"] });
        return answer(body);
      },
      sign: (webhookId) => ({ "webhook-id": webhookId, "webhook-timestamp": "1", "webhook-signature": "v1,x" }),
      health,
      onAttempt: (outcome, _seconds, shares) => requests.push({ kind: outcome.kind, shares }),
      schedule: (run, ms) => {
        const timer = { run, ms, cancelled: false };
        timers.push(timer);
        return () => {
          timer.cancelled = true;
        };
      },
    },
  );
  const fire = () => {
    for (const timer of timers.splice(0)) if (!timer.cancelled) timer.run();
  };
  return { batcher, posts, timers, requests, health, fire };
}

describe("batching attempts", () => {
  it("sends a full batch at once, signed with the batch's id, and answers each share its own outcome", async () => {
    const h = harness();
    const outcomes = Promise.all([1, 2, 3].map((n) => h.batcher.attempt(id(n), share(n))));
    expect(h.posts).toEqual([
      { body: { shares: [1, 2, 3].map((n) => ({ event_id: id(n) })) }, webhookId: batchWebhookId([1, 2, 3].map(id)) },
    ]);
    expect(await outcomes).toEqual([1, 2, 3].map(() => ({ kind: "accepted", status: 200 })));
    expect(h.timers.every((t) => t.cancelled)).toBe(true);
    expect(h.requests).toEqual([{ kind: "accepted", shares: 3 }]);
  });

  it("waits at most maxWaitMs for a batch to fill, then sends what it has", async () => {
    const h = harness();
    const outcomes = Promise.all([1, 2].map((n) => h.batcher.attempt(id(n), share(n))));
    expect(h.posts).toHaveLength(0);
    expect(h.batcher.waiting).toBe(2);
    expect(h.timers.map((t) => t.ms)).toEqual([5]);
    h.fire();
    expect(h.posts).toHaveLength(1);
    expect(await outcomes).toHaveLength(2);
    expect(h.batcher.waiting).toBe(0);
  });

  it("splits by maxShares and by body bytes; a remainder waits for the timer", async () => {
    const h = harness({ maxShares: 2 });
    const outcomes = Promise.all([1, 2, 3, 4, 5].map((n) => h.batcher.attempt(id(n), share(n))));
    expect(h.posts.map((p) => (p.body as { shares: unknown[] }).shares.length)).toEqual([2, 2]);
    h.fire();
    expect(h.posts.map((p) => (p.body as { shares: unknown[] }).shares.length)).toEqual([2, 2, 1]);
    await outcomes;

    // Each share body is 79 bytes: 13 + 79 + 1 + 79 = 172 fits two, not three.
    const bytes = harness({ maxShares: 10, maxBytes: 200 });
    const sized = Promise.all([1, 2, 3, 4, 5].map((n) => bytes.batcher.attempt(id(n), share(n))));
    expect(bytes.posts.map((p) => (p.body as { shares: unknown[] }).shares.length)).toEqual([2, 2]);
    bytes.fire();
    expect(bytes.posts.map((p) => (p.body as { shares: unknown[] }).shares.length)).toEqual([2, 2, 1]);
    await sized;
  });

  it("a failed batch fails each of its shares as a per-share POST would, and counts once towards an outage", async () => {
    const h = harness({}, () => ({ kind: "response", status: 503, body: '{"error":"busy"}' }), 2);
    const outcomes = await Promise.all([1, 2, 3].map((n) => h.batcher.attempt(id(n), share(n))));
    expect(outcomes).toEqual([1, 2, 3].map(() => ({ kind: "transient", status: 503, error: "busy", unreachable: true })));
    expect(h.health.down).toBe(false);
    await Promise.all([4, 5, 6].map((n) => h.batcher.attempt(id(n), share(n))));
    expect(h.health.down).toBe(true);
    expect(h.requests).toEqual([
      { kind: "transient", shares: 3 },
      { kind: "transient", shares: 3 },
    ]);
  });

  it("a post that throws fails its shares as a connection error", async () => {
    const h = harness({}, () => {
      throw new Error("socket hang up");
    });
    const outcomes = await Promise.all([1, 2, 3].map((n) => h.batcher.attempt(id(n), share(n))));
    expect(outcomes).toEqual([1, 2, 3].map(() => ({ kind: "transient", error: "socket hang up", unreachable: true })));
  });
});
