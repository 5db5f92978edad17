// The forwarder as a real process against the reference pool backend on the shared NATS.

import { PoolBackend } from "@gatehouse/pool-backend";
import { GatewayReason, ShareAcceptedSchema, Sv2Response } from "@gatehouse/proto/mining/v1";
import { type ExampleShare, exampleShare, getJson, type ServiceProcess, ServiceStartError, waitFor } from "@gatehouse/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import {
  adminClient,
  closeNamespace,
  type Namespace,
  openNamespace,
  publish,
  readResults,
  resultCount,
  SECRET,
  shares,
  startForwarder,
} from "./harness.js";

let backend: PoolBackend;
const running: ServiceProcess[] = [];
const namespaces: Namespace[] = [];

async function namespace(label: string): Promise<Namespace> {
  const ns = await openNamespace(label);
  namespaces.push(ns);
  return ns;
}

async function forwarder(...args: Parameters<typeof startForwarder>): Promise<ServiceProcess> {
  const proc = await startForwarder(...args);
  running.push(proc);
  return proc;
}

beforeAll(async () => {
  backend = await PoolBackend.start({ secret: SECRET });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop("SIGKILL")));
  await Promise.all(namespaces.splice(0).map(closeNamespace));
  backend.setFault({ kind: "none" });
  await backend.comeBack();
});

afterAll(async () => {
  await backend.close();
});

describe("share-forwarder", () => {
  it("forwards every accepted share once, signed so the independent verifier accepts it, and records one result each", async () => {
    const ns = await namespace("fwd");
    const proc = await forwarder(ns, backend.url);
    const list = shares(ns, 60);
    expect(await publish(ns, list, 20)).toEqual(list.map(() => "queued"));
    await waitFor(async () => (await resultCount(ns)) === list.length, { timeoutMs: 15_000, description: "60 results" });
    const results = await readResults(ns);
    expect(new Set(results.map((r) => r.eventId))).toEqual(new Set(list.map((s) => s.eventId)));
    for (const result of results) {
      expect(result).toMatchObject({
        forwarded: true,
        upstreamAccepted: true,
        upstreamHttpStatus: 200,
        reasonCode: GatewayReason.GATEWAY_REASON_UNSPECIFIED,
        attempts: 1,
      });
    }
    for (const share of list) expect(backend.acceptedShares().get(share.eventId)?.share_id).toBe(share.shareId);
    expect(backend.stats().badSignature).toBe(0);
    expect(proc.lines.map((l) => JSON.stringify(l)).join("\n")).not.toContain(SECRET.slice("whsec_".length));
    const ready = await getJson(`${proc.endpoints.ops}/readyz`);
    expect(ready.status).toBe(200);
  });

  it("drop_new at capacity: the publisher records share_dropped_queue_full for the overflow, queued shares are unaffected", async () => {
    const ns = await namespace("dropnew");
    const proc = await forwarder(ns, backend.url, { share_forward_queue_size: 10 });
    const admin = adminClient(proc.endpoints.grpc as string);
    try {
      await admin.pause();
      const list = shares(ns, 15);
      const outcomes = await publish(ns, list);
      expect(outcomes).toEqual([...Array(10).fill("queued"), ...Array(5).fill("dropped")]);
      const dropped = await readResults(ns);
      expect(dropped.map((r) => r.eventId)).toEqual(list.slice(10).map((s) => s.eventId));
      for (const r of dropped)
        expect(r).toMatchObject({ forwarded: false, reasonCode: GatewayReason.share_dropped_queue_full, attempts: 0 });
      await admin.resume();
      await waitFor(async () => (await resultCount(ns)) === 15, { description: "15 results" });
      const results = await readResults(ns);
      const forwarded = results.filter((r) => r.forwarded);
      expect(new Set(forwarded.map((r) => r.eventId))).toEqual(new Set(list.slice(0, 10).map((s) => s.eventId)));
      expect(new Set(results.map((r) => r.eventId)).size).toBe(15);
    } finally {
      admin.close();
    }
  });

  it("drop_old at capacity: the oldest queued shares get share_evicted_from_queue and the newest are forwarded", async () => {
    const ns = await namespace("dropold");
    const proc = await forwarder(ns, backend.url, { share_forward_queue_size: 10, share_forward_queue_drop_policy: "drop_old" });
    const admin = adminClient(proc.endpoints.grpc as string);
    try {
      await admin.pause();
      const list = shares(ns, 16);
      expect(await publish(ns, list)).toEqual(list.map(() => "queued"));
      await waitFor(async () => (await resultCount(ns)) === 6, { description: "six evictions" });
      expect((await admin.queueStatus()).queued).toBe(10n);
      const evicted = await readResults(ns);
      expect(new Set(evicted.map((r) => r.eventId))).toEqual(new Set(list.slice(0, 6).map((s) => s.eventId)));
      for (const r of evicted) expect(r).toMatchObject({ forwarded: false, reasonCode: GatewayReason.share_evicted_from_queue });
      await admin.resume();
      await waitFor(async () => (await resultCount(ns)) === 16, { description: "16 results" });
      const forwarded = (await readResults(ns)).filter((r) => r.forwarded && r.upstreamAccepted);
      expect(new Set(forwarded.map((r) => r.eventId))).toEqual(new Set(list.slice(6).map((s) => s.eventId)));
    } finally {
      admin.close();
    }
  });

  it("refuses drop_old in inline mode unless GH_ALLOW_DROP_OLD_INLINE is set", async () => {
    const ns = await namespace("inline");
    await expect(startForwarder(ns, backend.url, { mode: "inline", share_forward_queue_drop_policy: "drop_old" })).rejects.toThrow(
      /exited \(78\).*drop_old/s,
    );
    const proc = await forwarder(
      ns,
      backend.url,
      { mode: "inline", share_forward_queue_drop_policy: "drop_old" },
      { GH_ALLOW_DROP_OLD_INLINE: "1" },
    );
    expect(proc.endpoints.grpc).toBeTruthy();
  });

  it("refuses to start without a signing secret", async () => {
    const ns = await namespace("nosecret");
    const refused = startForwarder(ns, backend.url, { share_upstream_secret: undefined });
    await expect(refused).rejects.toThrow(ServiceStartError);
    await expect(refused).rejects.toMatchObject({ exit: 78 });
    await expect(refused).rejects.toThrow(/exited \(78\).*share_upstream_secret/s);
  });

  it("never has more than share_forward_max_in_flight requests open", async () => {
    const ns = await namespace("inflight");
    backend.setFault({ kind: "slow", delayMs: 40 });
    backend.resetMaxInFlight();
    await forwarder(ns, backend.url, { share_forward_max_in_flight: 8 });
    const list = shares(ns, 160);
    await publish(ns, list, 40);
    await waitFor(async () => (await resultCount(ns)) === list.length, { timeoutMs: 20_000, description: "160 results" });
    expect(backend.stats().maxInFlight).toBeLessThanOrEqual(8);
    // The bound was actually reached, so the check above could have failed.
    expect(backend.stats().maxInFlight).toBe(8);
  });

  it("replays the results of a time range over gRPC", async () => {
    const ns = await namespace("replay");
    const proc = await forwarder(ns, backend.url);
    const admin = adminClient(proc.endpoints.grpc as string);
    try {
      const list = shares(ns, 12);
      await publish(ns, list);
      await waitFor(async () => (await resultCount(ns)) === 12, { description: "12 results" });
      const recorded = await readResults(ns);
      const middle = recorded.slice(3, 9);
      const replayed = await admin.replay(middle[0]?.timestampMs ?? 0n, middle[middle.length - 1]?.timestampMs ?? 0n);
      expect(replayed.map((r) => r.eventId)).toEqual(
        recorded
          .filter((r) => r.timestampMs >= (middle[0]?.timestampMs ?? 0n) && r.timestampMs <= (middle[middle.length - 1]?.timestampMs ?? 0n))
          .map((r) => r.eventId),
      );
      expect(replayed.length).toBeGreaterThanOrEqual(6);
      expect(await admin.replay(0n, BigInt(Date.now()), 5)).toHaveLength(5);
    } finally {
      admin.close();
    }
  });

  it("forwards a share_id once: the same proof of work under another event_id is share_replay_detected; a non-success share gets no result", async () => {
    const ns = await namespace("dedup");
    const proc = await forwarder(ns, backend.url);
    const [original] = shares(ns, 1);
    const again = exampleShare(0, { run: ns.subjectRoot, workerId: "another.worker" });
    expect(again.shareId).toBe(original?.shareId);
    expect(again.eventId).not.toBe(original?.eventId);
    await publish(ns, [original as ExampleShare]);
    await waitFor(async () => (await resultCount(ns)) === 1, { description: "first result" });
    const requestsBefore = backend.stats().requests;
    await publish(ns, [again]);
    await ns.bus.publishDurable(ns.bus.subjects.shareAccepted, ShareAcceptedSchema, {
      ...shares(ns, 1, 1)[0],
      sv2Response: Sv2Response.error,
    });
    await waitFor(async () => (await resultCount(ns)) === 2, { description: "replay result" });
    const replay = (await readResults(ns)).find((r) => r.eventId === again.eventId);
    expect(replay).toMatchObject({ forwarded: false, reasonCode: GatewayReason.share_replay_detected, attempts: 0 });
    const metrics = await waitFor(
      async () => {
        const text = await (await fetch(`${proc.endpoints.ops}/metrics`)).text();
        return /deliveries_ignored_total\{why="not_success"\} 1/.test(text) ? text : undefined;
      },
      { description: "the non-success share seen and dropped" },
    );
    expect(metrics).toMatch(/gatehouse_share_forwarder_results_total\{reason_code="share_replay_detected",forwarded="false"\} 1/);
    expect(await resultCount(ns)).toBe(2);
    expect(backend.stats().requests).toBe(requestsBefore);
  });
});
