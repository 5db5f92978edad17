import { EdgeProtocolError } from "./errors.js";

/** The deliberately bad shares the load generator can send, one per rejection the edge must make. */
export const BAD_KINDS = ["stale", "unknown_job", "wrong_channel", "ntime", "version", "below_target", "replay"] as const;
export type BadKind = (typeof BAD_KINDS)[number];
export type ShareKind = "good" | BadKind;

/** Fraction of submissions per bad kind; the rest are good. */
export type BadMix = Partial<Record<BadKind, number>>;

/** The SubmitShares.Error code each kind should draw (SRI's codes, which the edge uses on the wire). */
export const EXPECTED_ERROR: Record<BadKind, string> = {
  stale: "stale-share",
  unknown_job: "invalid-job-id",
  wrong_channel: "invalid-channel-id",
  ntime: "invalid-share",
  version: "invalid-non-rollable-version-bit",
  below_target: "difficulty-too-low",
  replay: "duplicate-share",
};

/** A job id no edge hands out early in a channel's life (ids count up from 1). */
export const UNKNOWN_JOB_ID = 0xfffffffe;
/** Channel ids are small counters; this bit is never set on one the edge opened. */
const FOREIGN_CHANNEL_BIT = 0x40000000;

/** Picks the kind of the next submission: `random` is uniform in [0, 1). */
export function chooseKind(mix: BadMix, random: number): ShareKind {
  let cumulative = 0;
  for (const kind of BAD_KINDS) {
    cumulative += mix[kind] ?? 0;
    if (random < cumulative) return kind;
  }
  return "good";
}

export interface ShareFields {
  channelId: number;
  jobId: number;
  nonce: number;
  ntime: number;
  version: number;
}

export interface MutationContext {
  /** A job id of a superseded prev hash on this channel, if one was seen. */
  staleJobId: number | undefined;
  /** The tip's min_ntime: the earliest ntime the edge accepts. */
  minNtime: number;
  /** Version bits the miner may roll; the mutation flips one outside them. */
  versionMask: number;
  /** The last accepted share on the current tip, to send again. */
  lastAccepted: ShareFields | undefined;
}

/**
 * Turns an honest share into the bad one of `kind`, or undefined when the situation cannot
 * produce it yet (no stale job before the first tip change, nothing accepted to replay).
 * below_target is not a mutation: the miner hashes for a miss instead (see wantsMiss).
 */
export function mutateShare(kind: Exclude<BadKind, "below_target">, share: ShareFields, ctx: MutationContext): ShareFields | undefined {
  switch (kind) {
    case "stale":
      return ctx.staleJobId === undefined ? undefined : { ...share, jobId: ctx.staleJobId };
    case "unknown_job":
      return { ...share, jobId: UNKNOWN_JOB_ID };
    case "wrong_channel":
      return { ...share, channelId: (share.channelId | FOREIGN_CHANNEL_BIT) >>> 0 };
    case "ntime":
      return { ...share, ntime: ctx.minNtime - 1 };
    case "version":
      return { ...share, version: (share.version ^ lowestFixedBit(ctx.versionMask)) >>> 0 };
    case "replay":
      return ctx.lastAccepted && { ...ctx.lastAccepted };
  }
}

/** The lowest version bit outside the rolling mask (bit 0 for BIP320's 0x1fffe000). */
export function lowestFixedBit(mask: number): number {
  const fixed = ~mask >>> 0;
  if (fixed === 0) throw new EdgeProtocolError("a version mask of 0xffffffff leaves no fixed bit to violate");
  return (fixed & -fixed) >>> 0;
}

/** Kinds that need no proof of work: the edge refuses them before hashing the header. */
export function needsWork(kind: ShareKind): boolean {
  return kind === "good" || kind === "below_target";
}
