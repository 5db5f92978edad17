// The mining path's invariants after the run: every share acknowledged to a miner, seen entering
// the forward queue or recorded by the edge has exactly one forward result, and reached the pool
// backend, accepted there once; a share was delivered to the pool twice only when the forwarder
// (or NATS) was killed between its arrival and its result. A share the miner was answered
// share-not-stored for (a stream leader lost mid-publish) is refused, not lost.
import type { Bus } from "@gatehouse/bus";
import type { Stack } from "@gatehouse/dev";
import { EdgeEventSchema, EdgeEventType, GatewayReason, ShareForwardResultSchema } from "@gatehouse/proto/mining/v1";
import { catalogOf, readStream } from "../support/stack.js";
import type { PhaseRecord } from "./faults.js";
import type { MiningLoad } from "./mining.js";

export interface ShareCounts {
  acknowledgedToMiners: number;
  /** Of those, shares that were also blocks (at regtest difficulty, normally all). */
  acknowledgedBlocks: number;
  rejectedToMiners: Record<string, number>;
  seenEnteringQueue: number;
  acceptedEventsAtEdge: number;
  /** Stored and forwarded although the miner never got the answer (in flight at a kill). */
  storedButNotAcknowledged: number;
  forwardResults: number;
  forwardedAndAccepted: number;
  poolAccepted: number;
  poolDeliveries: number;
  /** Shares the pool received more than once (the same webhook-id, answered "duplicate"). */
  redelivered: number;
  /** Of those, shares in the forwarder's hands when it or NATS was killed. */
  redeliveredAcrossKill: number;
  /** Shares seen on the subject that the miner was answered share-not-stored for, with no result: refused, not lost. */
  refusedNotStored: number;
  /** Shares acknowledged or stored with no forward result (must be 0). */
  lost: number;
  /** Shares with more than one forward result, or accepted by the pool more than once (must be 0). */
  forwardedTwice: number;
}

interface PoolRecord {
  accepted: boolean;
  deliveries: number;
}

interface PoolStats {
  accepted: number;
  rejected: number;
  duplicates: number;
  badSignature: number;
  badRequest: number;
}

/** A kill that can make the pool see a share twice: a forwarder process or a NATS node. */
const causesRedelivery = (target: string) => target.startsWith("share-forwarder") || target.startsWith("nats");

export async function checkShares(
  stack: Stack,
  bus: Bus,
  mining: MiningLoad,
  phases: readonly PhaseRecord[],
): Promise<{ counts: ShareCounts; violations: string[] }> {
  const violations: string[] = [];
  const catalog = catalogOf(stack);
  const results = await readStream(bus, catalog.SHARE_RESULTS.name, bus.subjects.shareResult, ShareForwardResultSchema);
  const edge = await readStream(bus, catalog.EDGE_EVENTS.name, bus.subjects.edgeEvent, EdgeEventSchema);

  const resultOf = new Map<string, { at: number; count: number }>();
  for (const { message: r } of results) {
    const seen = resultOf.get(r.eventId);
    resultOf.set(r.eventId, { at: seen?.at ?? Number(r.timestampMs), count: (seen?.count ?? 0) + 1 });
    if (!r.forwarded || r.upstreamAccepted !== true) {
      violations.push(
        `share ${r.eventId}: result forwarded=${r.forwarded} upstream_accepted=${r.upstreamAccepted} reason ${GatewayReason[r.reasonCode]} ${r.upstreamError ?? ""}`,
      );
    }
  }
  let forwardedTwice = 0;
  for (const [eventId, { count }] of resultOf) {
    if (count <= 1) continue;
    forwardedTwice += 1;
    violations.push(`share ${eventId}: ${count} forward results`);
  }

  // When each share entered the edge (its ShareAccepted timestamp), from whichever record has it.
  const arrivedAt = new Map<string, number>();
  const earliest = (eventId: string, at: number) => arrivedAt.set(eventId, Math.min(at, arrivedAt.get(eventId) ?? at));
  for (const [eventId, at] of mining.queued) earliest(eventId, at);
  for (const { message: e } of edge) {
    if (e.type === EdgeEventType.share_accepted && e.detail.case === "share")
      earliest(e.detail.value.eventId, Number(e.detail.value.timestampMs));
  }
  const atEdge = edge.filter((e) => e.message.type === EdgeEventType.share_accepted).length;
  const atEdgeIds = new Set(
    edge.flatMap((e) =>
      e.message.type === EdgeEventType.share_accepted && e.message.detail.case === "share" ? [e.message.detail.value.eventId] : [],
    ),
  );
  for (const share of mining.acked.values()) earliest(share.eventId, share.at);

  let lost = 0;
  for (const share of mining.acked.values()) {
    if (resultOf.has(share.eventId)) continue;
    lost += 1;
    violations.push(`share ${share.eventId} (${share.worker}) acknowledged to the miner has no forward result: lost`);
  }
  let refusedNotStored = 0;
  for (const eventId of arrivedAt.keys()) {
    if (mining.acked.has(eventId) || resultOf.has(eventId)) continue;
    // Seen on the subject, but JetStream confirmed no copy and the miner was told so: refused, not lost.
    if (mining.refusedNotStored.has(eventId) && !atEdgeIds.has(eventId)) {
      refusedNotStored += 1;
      continue;
    }
    lost += 1;
    violations.push(`share ${eventId} stored by the edge has no forward result: lost`);
  }
  if (mining.unidentified > 0)
    violations.push(`${mining.unidentified} accepted shares without a share id (the load sends only hashed shares)`);

  const admin = stack.plan.poolBackend.adminUrl;
  let poolDeliveries = 0;
  let redelivered = 0;
  let redeliveredAcrossKill = 0;
  for (const [eventId, result] of resultOf) {
    const res = await fetch(`${admin}/shares/${eventId}`);
    if (res.status !== 200) {
      violations.push(`share ${eventId}: forwarded, but the pool backend never received it (HTTP ${res.status})`);
      continue;
    }
    const record = (await res.json()) as PoolRecord;
    if (!record.accepted) violations.push(`share ${eventId}: the pool backend did not accept it`);
    poolDeliveries += record.deliveries;
    if (record.deliveries <= 1) continue;
    redelivered += 1;
    const from = arrivedAt.get(eventId) ?? result.at;
    const cause = phases.find((p) => causesRedelivery(p.target) && from <= p.killedAt && p.killedAt <= result.at);
    if (cause) redeliveredAcrossKill += 1;
    else violations.push(`share ${eventId}: delivered to the pool ${record.deliveries} times with no forwarder or NATS kill in between`);
  }
  const stats = (await (await fetch(`${admin}/stats`)).json()) as PoolStats;
  if (stats.accepted !== resultOf.size)
    violations.push(`the pool backend accepted ${stats.accepted} shares, the forward results name ${resultOf.size}`);
  if (stats.duplicates !== poolDeliveries - resultOf.size) {
    violations.push(
      `the pool backend counts ${stats.duplicates} duplicate deliveries, the shares' records ${poolDeliveries - resultOf.size}`,
    );
  }
  for (const key of ["rejected", "badSignature", "badRequest"] as const) {
    if (stats[key] !== 0) violations.push(`the pool backend counted ${stats[key]} ${key}`);
  }

  const acked = [...mining.acked.values()];
  return {
    counts: {
      acknowledgedToMiners: acked.length,
      acknowledgedBlocks: acked.filter((s) => s.block).length,
      rejectedToMiners: { ...mining.rejected },
      seenEnteringQueue: mining.queued.size,
      acceptedEventsAtEdge: atEdge,
      storedButNotAcknowledged: [...resultOf.keys()].filter((id) => !mining.acked.has(id)).length,
      forwardResults: results.length,
      forwardedAndAccepted: results.filter((r) => r.message.forwarded && r.message.upstreamAccepted === true).length,
      poolAccepted: stats.accepted,
      poolDeliveries,
      redelivered,
      redeliveredAcrossKill,
      refusedNotStored,
      lost,
      forwardedTwice: forwardedTwice + Math.max(0, stats.accepted - resultOf.size),
    },
    violations,
  };
}
