// Journey 1: an SV2 miner over Noise gets a job and submits shares; each accepted share reaches the
// pool backend once (verified there with the standardwebhooks package) with exactly one result
// event; rejected shares carry their reason codes.
import { EdgeEventSchema, EdgeEventType, GatewayReason, ShareForwardResultSchema } from "@gatehouse/proto/mining/v1";
import { eventIdOf, shareIdOf } from "@gatehouse/shares";
import { waitFor } from "@gatehouse/testkit";
import { describe, expect, it } from "@jest/globals";
import { acceptedAtEdge, type E2E, withoutLoadGenerators } from "../support/context.js";
import { acceptedShare, good, headerOf, tipOf, weak } from "../support/mining.js";
import { catalogOf, readStream } from "../support/stack.js";

export function sharesJourney(e2e: () => E2E): void {
  describe("journey 1: an SV2 miner's shares reach the pool backend once each", () => {
    const worker = "dev.e2e-shares";
    withoutLoadGenerators(e2e);

    it("accepted shares are forwarded, verified and answered exactly once; rejected ones carry their reason codes", async () => {
      const { stack, bus } = e2e();
      const m = await e2e().miner(worker);
      const accepted: { eventId: string; header: Uint8Array }[] = [];
      for (let i = 0; i < 4; i++) accepted.push(await acceptedShare(m, worker));

      // Rejections, each for its own reason. Too little work: the hash misses the channel target.
      const tooWeak = m.mine(weak(m));
      const weakEventId = eventIdOf(shareIdOf(headerOf(m, tooWeak)), worker, "full");
      expect(await m.submit(tooWeak)).toMatchObject({ ok: false, error: { errorCode: "difficulty-too-low" } });
      // A job the edge never sent.
      const unknownJob = m.mine(good(m), { jobId: 0x7fff_fff0 });
      expect(await m.submit(unknownJob)).toMatchObject({ ok: false, error: { errorCode: "invalid-job-id" } });
      // A job from before the tip moved.
      const oldJob = m.job;
      accepted.push(await acceptedShare(m, worker));
      const stale = m.mine(good(m), {}, oldJob);
      expect(await m.submit(stale)).toMatchObject({ ok: false, error: { errorCode: "stale-share" } });
      // The same share twice: sent back to back, the second is a replay (unless our own block moved
      // the tip in between, which makes it stale instead: then again on the new tip).
      let replayed = false;
      for (let attempt = 0; attempt < 3 && !replayed; attempt++) {
        const before = tipOf(m);
        const share = m.mine(good(m));
        const header = headerOf(m, share);
        const again = { ...share, sequenceNumber: m.nextSequence() };
        await m.client.submitShare(share);
        const answer = await m.submit(again);
        const first = await waitFor(
          () => m.received.find((x) => x.type === "SubmitSharesSuccess" && x.message.lastSequenceNumber === share.sequenceNumber),
          { description: "the first copy accepted" },
        );
        expect(first).toBeDefined();
        accepted.push({ header, eventId: eventIdOf(shareIdOf(header), worker, "full") });
        if (!answer.ok && answer.error.errorCode === "duplicate-share") replayed = true;
        else expect(answer).toMatchObject({ ok: false, error: { errorCode: "stale-share" } });
        await waitFor(() => tipOf(m) !== before, { timeoutMs: 15_000, description: "the tip after our block" });
      }
      expect(replayed).toBe(true);

      // Each accepted share: one verified delivery to the pool backend, accepted there.
      const admin = stack.plan.poolBackend.adminUrl;
      for (const { eventId } of accepted) {
        const record = await waitFor(
          async () => {
            const res = await fetch(`${admin}/shares/${eventId}`);
            return res.status === 200 ? ((await res.json()) as { accepted: boolean; deliveries: number }) : undefined;
          },
          { timeoutMs: 15_000, intervalMs: 100, description: `share ${eventId} at the pool backend` },
        );
        expect(record).toMatchObject({ accepted: true, deliveries: 1 });
      }
      expect((await fetch(`${admin}/shares/${weakEventId}`)).status).toBe(404);
      expect(((await (await fetch(`${admin}/stats`)).json()) as { badSignature: number }).badSignature).toBe(0);

      // Exactly one result event per accepted share, and the edge recorded exactly these as accepted.
      // Both are published after the answers seen so far: read once they have all arrived.
      const catalog = catalogOf(stack);
      const expected = accepted.map((g) => g.eventId).sort();
      const results = await waitFor(
        async () => {
          const mine = (await readStream(bus, catalog.SHARE_RESULTS.name, bus.subjects.shareResult, ShareForwardResultSchema)).filter(
            (r) => r.message.workerId === worker,
          );
          return mine.length >= expected.length ? mine : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 200, description: "a result for every accepted share" },
      );
      expect(results.map((r) => r.message.eventId).sort()).toEqual(expected);
      for (const r of results) expect(r.message).toMatchObject({ forwarded: true, upstreamAccepted: true, reasonCode: 0 });
      const atEdge = await waitFor(
        async () => {
          const ids = await acceptedAtEdge(e2e(), worker);
          return ids.length >= expected.length ? ids : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 200, description: "the edge's share_accepted events" },
      );
      expect(atEdge.sort()).toEqual(expected);

      // The edge recorded each rejection with its reason code.
      const events = await waitFor(
        async () => {
          const all = (await readStream(bus, catalog.EDGE_EVENTS.name, bus.subjects.edgeEvent, EdgeEventSchema)).filter(
            (e) => e.message.workerId === worker && e.message.type === EdgeEventType.share_rejected,
          );
          return all.length >= 4 ? all : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 200, description: "the edge's rejection events" },
      );
      const reasons = new Set(events.map((e) => GatewayReason[e.message.reasonCode]));
      for (const reason of ["share_difficulty_below_target", "share_invalid_job_id", "stale_job_submission", "share_replay_detected"])
        expect(reasons).toContain(reason);
    }, 120_000);
  });
}
