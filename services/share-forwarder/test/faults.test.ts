// Fault tests: kill -9 of the forwarder in the middle of a run, and a long upstream outage.

import { PoolBackend } from "@gatehouse/pool-backend";
import { GatewayReason } from "@gatehouse/proto/mining/v1";
import { getJson, type ServiceProcess, waitFor } from "@gatehouse/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
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

// Production-scale sizes: 10,000 shares killed mid-run and a 60 s upstream outage. GH_TEST_KILL_SHARES
// and GH_TEST_OUTAGE_MS shrink them for a quick local run.
const KILL_SHARES = Number(process.env.GH_TEST_KILL_SHARES ?? 10_000);
const OUTAGE_MS = Number(process.env.GH_TEST_OUTAGE_MS ?? 60_000);

let backend: PoolBackend;
const running: ServiceProcess[] = [];
let ns: Namespace | undefined;

beforeAll(async () => {
  backend = await PoolBackend.start({ secret: SECRET });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop("SIGKILL")));
  if (ns) await closeNamespace(ns);
  ns = undefined;
  await backend.comeBack();
});

afterAll(async () => {
  await backend.close();
});

describe("share-forwarder under faults", () => {
  it(`kill -9 in the middle of ${KILL_SHARES} shares, then restart: every share has exactly one result and the backend holds each once`, async () => {
    ns = await openNamespace("kill");
    const config = { share_forward_max_in_flight: 64 };
    const first = await startForwarder(ns, backend.url, config);
    running.push(first);
    const list = shares(ns, KILL_SHARES);
    const published = publish(ns, list, 250);
    await waitFor(async () => (await resultCount(ns as Namespace)) >= KILL_SHARES / 4, {
      timeoutMs: 60_000,
      description: "a quarter of the results",
    });
    await first.kill9();
    await published;
    const atKill = await resultCount(ns);
    expect(atKill).toBeLessThan(KILL_SHARES);

    running.push(await startForwarder(ns, backend.url, config));
    await waitFor(async () => (await resultCount(ns as Namespace)) >= KILL_SHARES, { timeoutMs: 120_000, description: "every result" });
    const results = await readResults(ns);
    expect(results).toHaveLength(KILL_SHARES);
    expect(new Set(results.map((r) => r.eventId)).size).toBe(KILL_SHARES);
    expect(results.filter((r) => !(r.forwarded && r.upstreamAccepted))).toEqual([]);
    const held = backend.acceptedShares();
    for (const share of list) expect(held.get(share.eventId)?.share_id).toBe(share.shareId);
    // Stored once each: shares re-posted after the crash were answered as duplicates.
    expect(list.filter((s) => held.has(s.eventId))).toHaveLength(KILL_SHARES);
  }, 300_000);

  it(
    `holds shares through a ${OUTAGE_MS / 1000} s upstream outage (not ready meanwhile), then drains them all`,
    async () => {
      ns = await openNamespace("outage");
      const proc = await startForwarder(ns, backend.url, { share_upstream_outage_failures: 3, share_upstream_unready_after_ms: 1_000 });
      running.push(proc);
      await backend.goAway();
      const started = Date.now();
      const list = shares(ns, 200);
      await publish(ns, list, 50);
      const unready = await waitFor(
        async () => {
          const res = await getJson(`${proc.endpoints.ops}/readyz`);
          return res.status === 503 ? res : undefined;
        },
        { timeoutMs: 10_000, description: "/readyz 503 during the outage" },
      );
      expect(JSON.stringify(unready.body)).toContain("share upstream unreachable");
      // The outage lasts OUTAGE_MS; all along, no share may be given up on.
      await waitFor(
        async () => {
          expect(await resultCount(ns as Namespace)).toBe(0);
          return Date.now() - started >= OUTAGE_MS;
        },
        { timeoutMs: OUTAGE_MS + 10_000, intervalMs: 250, description: "the outage to run its course" },
      );
      await backend.comeBack();
      await waitFor(async () => (await resultCount(ns as Namespace)) === list.length, {
        timeoutMs: 60_000,
        description: "the queue drained",
      });
      const results = await readResults(ns);
      expect(new Set(results.map((r) => r.eventId))).toEqual(new Set(list.map((s) => s.eventId)));
      for (const r of results)
        expect(r).toMatchObject({ forwarded: true, upstreamAccepted: true, reasonCode: GatewayReason.GATEWAY_REASON_UNSPECIFIED });
      await waitFor(async () => (await getJson(`${proc.endpoints.ops}/readyz`)).status === 200, { description: "ready again" });
    },
    OUTAGE_MS + 150_000,
  );
});
