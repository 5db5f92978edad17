import type { Hex } from "viem";
import { type LogQueryLimits, type LogRange, rangesNewestFirst, resumeFrom } from "./log-range.js";

/**
 * How "was (studio, epoch) closed" is read. The RewardsDistributor keeps no closed flag and pays
 * again on a second close, so its EpochClosed log is the record, and an answer "not closed" must
 * have looked at every block a close could be in, each query no wider than a node allows
 * (log-range.ts).
 *
 * The lower bound is the epoch's own: closeEpoch requires the epoch's work list to be non-empty,
 * and the list only grows, by one entry and one WorkRegistered log per registerWork, so no close
 * is older than the epoch's first registration. A first check reads the list's length at a head
 * block and walks back from that head, range by range, asking in each query for both events of
 * (studio, epoch): an EpochClosed log ends the walk (closed); once every registration the list held
 * at the head is behind the walk, so is every block a close could be in (not closed as of the
 * head). The walk costs one query per range of the epoch's age, none when the list is empty, and
 * never goes below `chain.rewards_distributor_start_block`. Later checks of the same workflow look
 * for EpochClosed only from a reorg margin below the head the epoch was last seen unclosed at.
 */

/** Closed (by `txHash`), or not closed as of head block `unclosedAt`. */
export type EpochClosure = { closed: true; txHash: Hex } | { closed: false; unclosedAt: number };

export type ClosureRead =
  /** Walk back from the head to the epoch's first registration. */
  | { kind: "walk" }
  /** Look for EpochClosed from `fromBlock` to the latest block. */
  | { kind: "since"; fromBlock: bigint };

/**
 * The read that answers whether the epoch was closed, given the head block it was last seen
 * unclosed at (undefined: never) and the head now: the walk when there is no such block or the
 * head is below it (the chain went back, or another chain), else EpochClosed since that block.
 */
export function closureRead(unclosedAt: bigint | undefined, head: bigint, limits: LogQueryLimits): ClosureRead {
  if (unclosedAt === undefined || unclosedAt > head) return { kind: "walk" };
  return { kind: "since", fromBlock: resumeFrom(unclosedAt, limits) };
}

/** A log of (studio, epoch) a walk's query returned. */
export interface EpochLog {
  event: "EpochClosed" | "WorkRegistered";
  blockNumber: bigint;
  transactionHash: Hex;
}

/** Where a walk stands: closed, not closed as of its head, or `registrationsLeft` still ahead of it. */
export type WalkStep = { kind: "closed"; txHash: Hex } | { kind: "unclosed" } | { kind: "continue"; registrationsLeft: number };

/** Before any range: an epoch with no registered work at the head cannot have been closed by then. */
export function walkStart(registrations: number): WalkStep {
  return registrations === 0 ? { kind: "unclosed" } : { kind: "continue", registrationsLeft: registrations };
}

/**
 * The walk after one more range (its logs in chain order): closed by its oldest EpochClosed log,
 * else the registrations it held counted off. Registrations above the head the list was read at
 * are not among the list's, so they do not count.
 */
export function afterRange(logs: readonly EpochLog[], head: bigint, registrationsLeft: number): WalkStep {
  const close = logs.find((log) => log.event === "EpochClosed");
  if (close) return { kind: "closed", txHash: close.transactionHash };
  const counted = logs.filter((log) => log.event === "WorkRegistered" && log.blockNumber <= head).length;
  const left = registrationsLeft - counted;
  return left <= 0 ? { kind: "unclosed" } : { kind: "continue", registrationsLeft: left };
}

/** The logs of (studio, epoch) in a range, in chain order: one query (the reader's I/O). */
export type EpochLogsIn = (range: LogRange, events: ReadonlyArray<EpochLog["event"]>) => Promise<EpochLog[]>;

/**
 * The walk back from `head`, where the epoch's work list held `registrations` entries: the closing
 * transaction, or undefined when not closed as of `head`.
 */
export async function walkBack(registrations: number, head: bigint, limits: LogQueryLimits, logsIn: EpochLogsIn): Promise<Hex | undefined> {
  let step = walkStart(registrations);
  const ranges = rangesNewestFirst(limits.startBlock, head, limits);
  while (step.kind === "continue") {
    const range = ranges.next();
    if (range.done) throw new EpochWalkIncompleteError(step.registrationsLeft, limits.startBlock);
    step = afterRange(await logsIn(range.value, ["EpochClosed", "WorkRegistered"]), head, step.registrationsLeft);
  }
  return step.kind === "closed" ? step.txHash : undefined;
}

/** The oldest EpochClosed from `fromBlock` on (newest range first, stopping at the first range holding one). */
export async function closedSince(fromBlock: bigint, head: bigint, limits: LogQueryLimits, logsIn: EpochLogsIn): Promise<Hex | undefined> {
  for (const range of rangesNewestFirst(fromBlock, head, limits)) {
    const close = (await logsIn(range, ["EpochClosed"]))[0];
    if (close) return close.transactionHash;
  }
  return undefined;
}

/**
 * The walk reached the start block with registrations still unseen: the chain changed under it (a
 * reorg), or `chain.rewards_distributor_start_block` is above the epoch's registrations. Nothing
 * can be said, so the step retries rather than answer "not closed".
 */
export class EpochWalkIncompleteError extends Error {
  override name = "EpochWalkIncompleteError";
  constructor(
    readonly registrationsLeft: number,
    readonly startBlock: bigint,
  ) {
    super(
      `${registrationsLeft} of the epoch's WorkRegistered logs not found above block ${startBlock}: ` +
        "the chain changed during the read, or chain.rewards_distributor_start_block is too high",
    );
  }
}
