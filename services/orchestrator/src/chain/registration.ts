import { fitsOneQuery, type LogQueryLimits, resumeFrom } from "./log-range.js";

/**
 * How an epoch's registered works are brought up to date (epoch-work-index.ts). The contract only
 * offers the epoch's whole work list (`getEpochWork`), whose size grows with the epoch: it is read
 * when nothing was read before, and from then on the epoch's `WorkRegistered` logs (studio and
 * epoch are indexed) over the blocks since the head it was last read at: one log query bounded as
 * log-range.ts bounds them, never from block 0.
 */

export type RegistrationRead =
  /** Read the epoch's whole work list (`getEpochWork`). */
  | { kind: "list" }
  /** Query the epoch's WorkRegistered logs from `fromBlock` to the latest block. */
  | { kind: "logs"; fromBlock: bigint };

/**
 * The read that brings an epoch up to date, given the head block it was last read at (undefined:
 * never) and the head block now. The list when there is no such block, when the head is below it
 * (the chain went back, or another chain), or when one log query could not cover the blocks since
 * (a reorg margin below that block: `resumeFrom`); else that query.
 */
export function registrationRead(readAt: bigint | undefined, head: bigint, limits: LogQueryLimits): RegistrationRead {
  if (readAt === undefined || readAt > head) return { kind: "list" };
  const fromBlock = resumeFrom(readAt, limits);
  return fitsOneQuery(fromBlock, head, limits) ? { kind: "logs", fromBlock } : { kind: "list" };
}
