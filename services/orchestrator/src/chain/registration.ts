/**
 * How "is this work registered with the RewardsDistributor" is read. The contract only offers the
 * epoch's whole work list (`getEpochWork`), whose size grows with the epoch, so reading it on every
 * check costs O(epoch) each time. A workflow reads the list once, at a known head block, and from
 * then on asks for its own `WorkRegistered` log (studio, epoch and data hash are indexed) over the
 * blocks since then: a log query bounded by blocks the workflow knows about, never from block 0.
 */

/** Blocks re-read below the block a work was last seen unregistered at: a reorg shallower than this cannot hide a registration. */
export const REORG_MARGIN_BLOCKS = 64n;

/** The widest log query made (hosted nodes refuse wide ranges); past it the list is read again. */
export const MAX_LOG_RANGE_BLOCKS = 2_000n;

export type RegistrationRead =
  /** Read the epoch's work list (`getEpochWork`) and look for the data hash. */
  | { kind: "list" }
  /** Query the work's WorkRegistered log from `fromBlock` to the latest block. */
  | { kind: "logs"; fromBlock: bigint };

/**
 * The read that answers whether a work is registered, given the block it was last read
 * unregistered at (undefined: never) and the head block now. The list when there is no such block,
 * when the head is below it (the chain went back, or another chain), or when the log range would
 * exceed MAX_LOG_RANGE_BLOCKS; else the logs from REORG_MARGIN_BLOCKS below that block.
 */
export function registrationRead(unregisteredAt: bigint | undefined, head: bigint): RegistrationRead {
  if (unregisteredAt === undefined || unregisteredAt > head) return { kind: "list" };
  const fromBlock = unregisteredAt > REORG_MARGIN_BLOCKS ? unregisteredAt - REORG_MARGIN_BLOCKS : 0n;
  if (head - fromBlock > MAX_LOG_RANGE_BLOCKS) return { kind: "list" };
  return { kind: "logs", fromBlock };
}

/**
 * What a registration read found: registered, or not registered as of `unregisteredAt` (a head
 * block read before the read, so a lower bound of the block the chain answered at).
 */
export type WorkRegistration = { registered: true } | { registered: false; unregisteredAt: number };
