import { fitsOneQuery, type LogQueryLimits, resumeFrom } from "./log-range.js";

/**
 * How "is this work registered with the RewardsDistributor" is read. The contract only offers the
 * epoch's whole work list (`getEpochWork`), whose size grows with the epoch, so reading it on every
 * check costs O(epoch) each time. A workflow reads the list once, at a known head block, and from
 * then on asks for its own `WorkRegistered` log (studio, epoch and data hash are indexed) over the
 * blocks since then: one log query bounded as log-range.ts bounds them, never from block 0.
 */

export type RegistrationRead =
  /** Read the epoch's work list (`getEpochWork`) and look for the data hash. */
  | { kind: "list" }
  /** Query the work's WorkRegistered log from `fromBlock` to the latest block. */
  | { kind: "logs"; fromBlock: bigint };

/**
 * The read that answers whether a work is registered, given the block it was last read
 * unregistered at (undefined: never) and the head block now. The list when there is no such block,
 * when the head is below it (the chain went back, or another chain), or when one log query could
 * not cover the blocks since (a reorg margin below that block: `resumeFrom`); else that query.
 */
export function registrationRead(unregisteredAt: bigint | undefined, head: bigint, limits: LogQueryLimits): RegistrationRead {
  if (unregisteredAt === undefined || unregisteredAt > head) return { kind: "list" };
  const fromBlock = resumeFrom(unregisteredAt, limits);
  return fitsOneQuery(fromBlock, head, limits) ? { kind: "logs", fromBlock } : { kind: "list" };
}

/**
 * What a registration read found: registered, or not registered as of `unregisteredAt` (a head
 * block read before the read, so a lower bound of the block the chain answered at).
 */
export type WorkRegistration = { registered: true } | { registered: false; unregisteredAt: number };
