// Batch mode as a real process against the reference pool backend's batch endpoint: shares go
// many to a POST, each still gets exactly one result, also across a kill -9 in the middle of
// batches the backend has decided but not yet answered.

import { BATCH_PATH, PoolBackend } from "@gatehouse/pool-backend";
import { GatewayReason } from "@gatehouse/proto/mining/v1";
import { type ServiceProcess, waitFor } from "@gatehouse/testkit";
import { afterEach, describe, expect, it } from "@jest/globals";
import {
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

const KILL_SHARES = 3_000;
const BATCH = { share_upstream_batch_max_shares: 50, share_upstream_batch_path: BATCH_PATH };

const running: ServiceProcess[] = [];
const backends: PoolBackend[] = [];
const namespaces: Namespace[] = [];

async function setUp(label: string): Promise<{ ns: Namespace; backend: PoolBackend }> {
  const ns = await openNamespace(label);
  namespaces.push(ns);
  const backend = await PoolBackend.start({ secret: SECRET });
  backends.push(backend);
  return { ns, backend };
}

async function forwarder(...args: Parameters<typeof startForwarder>): Promise<ServiceProcess> {
  const proc = await startForwarder(...args);
  running.push(proc);
  return proc;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop("SIGKILL")));
  await Promise.all(namespaces.splice(0).map(closeNamespace));
  await Promise.all(backends.splice(0).map((b) => b.close()));
});

describe("share-forwarder batch mode", () => {
  it("forwards shares many to a signed POST, one result each, each share held once by the backend", async () => {
    const { ns, backend } = await setUp("batch");
    await forwarder(ns, backend.url, BATCH);
    const list = shares(ns, 400);
    await publish(ns, list, 100);
    await waitFor(async () => (await resultCount(ns)) === list.length, { timeoutMs: 30_000, description: "400 results" });
    const results = await readResults(ns);
    expect(new Set(results.map((r) => r.eventId))).toEqual(new Set(list.map((s) => s.eventId)));
    for (const r of results) {
      expect(r).toMatchObject({
        forwarded: true,
        upstreamAccepted: true,
        upstreamHttpStatus: 200,
        reasonCode: GatewayReason.GATEWAY_REASON_UNSPECIFIED,
      });
    }
    const stats = backend.stats();
    expect(stats).toMatchObject({ accepted: list.length, duplicates: 0, badSignature: 0, badRequest: 0 });
    // Batched for real: every request was a batch, and they carried several shares each.
    expect(stats.requests).toBe(stats.batches);
    expect(stats.batches).toBeLessThan(list.length / 2);
    for (const share of list) expect(backend.acceptedShares().get(share.eventId)?.share_id).toBe(share.shareId);
  });

  it("retries each share of a malformed batch answer until the backend answers it", async () => {
    const { ns, backend } = await setUp("batchretry");
    backend.setFault({ kind: "malformed" });
    await forwarder(ns, backend.url, { ...BATCH, share_upstream_retries: 10 });
    const list = shares(ns, 20);
    await publish(ns, list, 20);
    await waitFor(() => backend.stats().faulted >= 1, { description: "a malformed batch answer" });
    backend.setFault({ kind: "none" });
    await waitFor(async () => (await resultCount(ns)) === list.length, { timeoutMs: 20_000, description: "20 results" });
    const results = await readResults(ns);
    expect(new Set(results.map((r) => r.eventId)).size).toBe(list.length);
    for (const r of results) expect(r).toMatchObject({ forwarded: true, upstreamAccepted: true });
    expect(Math.max(...results.map((r) => r.attempts))).toBeGreaterThan(1);
    expect(backend.stats().accepted).toBe(list.length);
  });

  it(`kill -9 with batches decided but unanswered, then restart: each of ${KILL_SHARES} shares has exactly one result and was counted once`, async () => {
    const { ns, backend } = await setUp("batchkill");
    const config = { ...BATCH, share_forward_max_in_flight: 256 };
    // The backend decides and remembers each batch at once but answers it late, so the kill
    // lands while batches it has counted have no result stored yet.
    backend.setFault({ kind: "late", delayMs: 500 });
    const first = await forwarder(ns, backend.url, config);
    const list = shares(ns, KILL_SHARES);
    const published = publish(ns, list, 250);
    await waitFor(
      async () => {
        const recorded = await resultCount(ns);
        return recorded >= 200 && backend.stats().accepted - recorded >= 50;
      },
      { timeoutMs: 60_000, description: "results stored, and at least 50 shares decided by the backend without a result" },
    );
    await first.kill9();
    expect(await resultCount(ns)).toBeLessThan(KILL_SHARES);
    backend.setFault({ kind: "none" });
    await published;

    await forwarder(ns, backend.url, config);
    await waitFor(async () => (await resultCount(ns)) >= KILL_SHARES, { timeoutMs: 120_000, description: "every result" });
    const results = await readResults(ns);
    expect(results).toHaveLength(KILL_SHARES);
    expect(new Set(results.map((r) => r.eventId))).toEqual(new Set(list.map((s) => s.eventId)));
    expect(results.filter((r) => !(r.forwarded && r.upstreamAccepted))).toEqual([]);
    const stats = backend.stats();
    // Counted once each: the shares decided before the kill came again after it and were answered
    // as duplicates, by their own event_id, inside new batches.
    expect(stats.accepted).toBe(KILL_SHARES);
    expect(stats.duplicates).toBeGreaterThan(0);
    for (const share of list) expect(backend.delivery(share.eventId)?.accepted).toBe(true);
  }, 300_000);
});
