/**
 * The one way the orchestrator bounds an `eth_getLogs` query. Hosted nodes refuse a query over
 * more blocks than they allow rather than answer part of it (Alchemy: 2,000 blocks, "Log response
 * size exceeded. You can make eth_getLogs requests with up to a 2K block range …", -32602; Infura:
 * 10,000, "range … exceeds limit of 10000", -32602; QuickNode's paid plans: 10,000; Fantom's
 * client: 100), so no query starts at block 0 on a long chain: a query either starts a reorg margin
 * below a block the answer was already known at, or is one of a run of ranges no wider than
 * `chain.max_log_range_blocks`, newest first.
 */

/** Blocks re-read below a block a log was last seen absent at: a reorg shallower than this cannot hide it. */
export const REORG_MARGIN_BLOCKS = 64n;

/**
 * Blocks the chain may mine between the head a query is planned from (the shared head, at most a
 * poll interval old) and the node resolving the query's `latest`: a range ending at `latest` leaves
 * room for them, so a node counting from its own head does not find it too wide.
 */
export const HEAD_ALLOWANCE_BLOCKS = 16n;

/** The narrowest `chain.max_log_range_blocks` the sizing above works with. */
export const MIN_LOG_RANGE_BLOCKS = 2 * Number(HEAD_ALLOWANCE_BLOCKS);

/** How log queries are bounded on this chain: `chain.max_log_range_blocks`, `chain.rewards_distributor_start_block`. */
export interface LogQueryLimits {
  /** The most blocks one query covers (from and to included). */
  maxRangeBlocks: bigint;
  /** No log of the RewardsDistributor is older than this block (its deployment, or any block before it). */
  startBlock: bigint;
}

/** One `eth_getLogs` block range, both ends included; the newest range of a run ends at `latest`. */
export interface LogRange {
  fromBlock: bigint;
  toBlock: bigint | "latest";
}

/** Where to look again for a log last seen absent at block `seenAt`: a reorg margin below it, never below the start block. */
export function resumeFrom(seenAt: bigint, limits: LogQueryLimits): bigint {
  const from = seenAt - REORG_MARGIN_BLOCKS;
  return from > limits.startBlock ? from : limits.startBlock;
}

/**
 * The ranges covering block `from` up to the latest block, given the head read before, newest
 * first: the first ends at `latest` and reaches at most `maxRangeBlocks − HEAD_ALLOWANCE_BLOCKS`
 * blocks below the head, each older one covers `maxRangeBlocks`. Lazy: a scan that stops early
 * never builds the rest. A `from` above the head is one range, `from` to latest.
 */
export function* rangesNewestFirst(from: bigint, head: bigint, limits: LogQueryLimits): Generator<LogRange> {
  let lowest = max(from, head - (limits.maxRangeBlocks - HEAD_ALLOWANCE_BLOCKS) + 1n);
  yield { fromBlock: lowest, toBlock: "latest" };
  while (lowest > from) {
    const to = lowest - 1n;
    lowest = max(from, to - limits.maxRangeBlocks + 1n);
    yield { fromBlock: lowest, toBlock: to };
  }
}

/** Whether one query from `from` to latest covers every block since, given the head read before. */
export function fitsOneQuery(from: bigint, head: bigint, limits: LogQueryLimits): boolean {
  return head - from + 1n + HEAD_ALLOWANCE_BLOCKS <= limits.maxRangeBlocks;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
