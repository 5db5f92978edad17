// The mining path's load: load-generating SV2 miners (tools/loadgen, in process, reconnecting
// when their edge goes away), the connections spread over the edge replicas, whose every
// acknowledged share is recorded by event_id, and a bus subscription that sees each share an
// edge stores in the forward queue (SHARES).
import type { Bus } from "@gatehouse/bus";
import type { Stack } from "@gatehouse/dev";
import { type Loadgen, type LoadgenReport, type ShareEvent, startLoadgen } from "@gatehouse/loadgen";
import { ShareAcceptedSchema } from "@gatehouse/proto/mining/v1";
import { eventIdOf } from "@gatehouse/shares";
import { Activity } from "./activity.js";

/** A share the edge answered SubmitShares.Success to. */
export interface AckedShare {
  eventId: string;
  shareId: string;
  worker: string;
  block: boolean;
  at: number;
}

export interface MiningLoadOptions {
  /** In total, spread evenly over the edge replicas. */
  connections: number;
  /** Shares per second per connection. */
  rate: number;
  worker: string;
}

/** Every accepted share is validated in full while Redis (the replay window) answers; it never goes down here. */
const VALIDATION_LEVEL = "full";

/** The edge's answer when the forward queue did not confirm a stored copy. */
export const SHARE_NOT_STORED = "share-not-stored";

export class MiningLoad {
  /** Acknowledged shares by event_id. */
  readonly acked = new Map<string, AckedShare>();
  /** event_id → when the edge received the share (its ShareAccepted timestamp), for each share seen entering SHARES. */
  readonly queued = new Map<string, number>();
  readonly rejected: Record<string, number> = {};
  /**
   * event_ids answered share-not-stored: the edge published them but JetStream confirmed no copy
   * (a stream leader lost), so the miner keeps the work; a plain subscriber still saw them.
   */
  readonly refusedNotStored = new Set<string>();
  /** When each share-not-stored answer came. */
  readonly refusedAt: number[] = [];
  /** Accepted answers to shares the miner built without hashing (never sent here): each one a finding. */
  unidentified = 0;
  readonly acks = new Activity("a share acknowledged to a miner");
  /** Edge process name → the miners connected to it. */
  readonly #loadgens = new Map<string, Loadgen>();
  #reports: Record<string, LoadgenReport> | undefined;

  constructor(stack: Stack, bus: Bus, options: MiningLoadOptions) {
    bus.subscribe(bus.subjects.shareAccepted, ShareAcceptedSchema, (share) => {
      if (!this.queued.has(share.eventId)) this.queued.set(share.eventId, Number(share.timestampMs));
    });
    const edges = stack.instances("miner-edge");
    edges.forEach((edge, i) => {
      const [host, port] = (stack.endpoints(edge).sv2 as string).split(":") as [string, string];
      const connections = Math.floor(options.connections / edges.length) + (i < options.connections % edges.length ? 1 : 0);
      const loadgen = startLoadgen({
        host,
        port: Number(port),
        authorityKey: stack.keys.authorityPublicKey,
        connections,
        rate: options.rate,
        worker: options.worker,
        reconnect: true,
      });
      loadgen.on("share", (e) => this.#answered(e));
      this.#loadgens.set(edge, loadgen);
    });
  }

  #answered(e: ShareEvent): void {
    if (!e.accepted) {
      const reason = e.errorCode ?? "unknown";
      this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
      if (reason === SHARE_NOT_STORED) this.refusedAt.push(Date.now());
      if (reason === SHARE_NOT_STORED && e.shareId !== undefined)
        this.refusedNotStored.add(eventIdOf(e.shareId, e.identity, VALIDATION_LEVEL));
      return;
    }
    if (e.shareId === undefined) {
      this.unidentified += 1;
      return;
    }
    const eventId = eventIdOf(e.shareId, e.identity, VALIDATION_LEVEL);
    this.acked.set(eventId, { eventId, shareId: e.shareId, worker: e.identity, block: e.block, at: Date.now() });
    this.acks.mark();
  }

  /** Shares sent and not answered yet, to one edge or to all. */
  inFlight(edge?: string): number {
    const loadgens = edge === undefined ? [...this.#loadgens.values()] : [this.#loadgens.get(edge)].filter((l) => l !== undefined);
    return loadgens.reduce((n, l) => n + l.miners.reduce((m, miner) => m + miner.pending, 0), 0);
  }

  /** Stops submitting, waits for answers to shares already sent, and closes the connections; a report per edge. */
  async stop(): Promise<Record<string, LoadgenReport>> {
    this.#reports ??= Object.fromEntries(
      await Promise.all([...this.#loadgens].map(async ([edge, loadgen]) => [edge, await loadgen.stop(5_000)] as const)),
    );
    return this.#reports;
  }
}
