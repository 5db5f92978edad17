// The verdicts of one path's run, from facts gathered elsewhere (bus and Core): pure, so the rules
// are tested without a node. Each failed check names what was expected and what was seen.

/** Core's view of one block Gatehouse reported. */
export interface CoreBlockFacts {
  /** Core has the block (getblockheader answered). */
  known: boolean;
  /** In the active chain (getblockheader confirmations ≥ 1). */
  activeChain: boolean;
  /** getchaintips status of the branch when not active ("valid-fork", "valid-headers", "invalid", …). */
  branchStatus?: string;
  size?: number;
  weight?: number;
  txCount?: number;
}

export interface ObservedBlock {
  hash: string;
  height: number;
  /** The verifier's BlockResult; absent when none arrived. */
  result?: { accepted: boolean; rejectReason: string; nodeAnswer?: string | undefined };
  /** TDP path: whether sv2-tp logged that Core took the block on SubmitSolution. */
  tpSubmitted?: boolean | undefined;
  core: CoreBlockFacts;
}

export interface PathFacts {
  path: "rpc" | "tdp";
  mempool: { transactions: number; bytes: number; vsize: number };
  /** From the last transaction of the fill entering Core's mempool to a template holding them all; null = never. */
  mempoolToTemplateMs: number | null;
  blocks: ObservedBlock[];
}

export interface Limits {
  /** Smallest block (serialized bytes) that counts as mainnet-size. */
  bigBlockBytes: number;
  /** One long-poll cycle: Core answers a mempool-driven long-poll after 60 s. */
  templateLatencyMs: number;
  minMempoolBytes: number;
}

export const DEFAULT_LIMITS: Limits = { bigBlockBytes: 1_500_000, templateLatencyMs: 70_000, minMempoolBytes: 1_500_000 };

export interface PathSummary {
  path: "rpc" | "tdp";
  mempoolTransactions: number;
  mempoolBytes: number;
  mempoolVsize: number;
  mempoolToTemplateMs: number | null;
  blocksFound: number;
  blocksReported: number;
  blocksAcceptedByCore: number;
  blocksReportedAccepted: number;
  bigBlocksAccepted: number;
  largestAcceptedBytes: number;
  blockSizes: number[];
  resultsMatching: number;
  mismatches: string[];
  failures: string[];
}

/** Whether a BlockResult says the same as Core's chain: accepted exactly when in the active chain. */
export function resultMatchesCore(block: ObservedBlock): boolean {
  return block.result !== undefined && block.result.accepted === block.core.activeChain;
}

function describeMismatch(b: ObservedBlock): string {
  const core = !b.core.known
    ? "Core does not have it"
    : b.core.activeChain
      ? "Core has it in the active chain"
      : `Core has it off the active chain (${b.core.branchStatus ?? "not on the best chain"})`;
  const reported = !b.result
    ? "no BlockResult"
    : b.result.accepted
      ? "reported accepted"
      : `reported rejected: ${b.result.rejectReason}${b.result.nodeAnswer ? ` (node answered ${b.result.nodeAnswer})` : ""}`;
  const tp = b.tpSubmitted === undefined ? "" : ` (sv2-tp logged submitted=${b.tpSubmitted ? 1 : 0})`;
  return `block ${b.height} ${b.hash}: ${reported}, but ${core}${tp}`;
}

export function summarizePath(facts: PathFacts, limits: Limits = DEFAULT_LIMITS): PathSummary {
  const accepted = facts.blocks.filter((b) => b.core.activeChain);
  const sizes = accepted.map((b) => b.core.size ?? 0);
  const mismatched = facts.blocks.filter((b) => !resultMatchesCore(b));
  const summary: PathSummary = {
    path: facts.path,
    mempoolTransactions: facts.mempool.transactions,
    mempoolBytes: facts.mempool.bytes,
    mempoolVsize: facts.mempool.vsize,
    mempoolToTemplateMs: facts.mempoolToTemplateMs,
    blocksFound: facts.blocks.length,
    blocksReported: facts.blocks.filter((b) => b.result !== undefined).length,
    blocksAcceptedByCore: accepted.length,
    blocksReportedAccepted: facts.blocks.filter((b) => b.result?.accepted).length,
    bigBlocksAccepted: sizes.filter((s) => s >= limits.bigBlockBytes).length,
    largestAcceptedBytes: Math.max(0, ...sizes),
    blockSizes: facts.blocks.map((b) => b.core.size ?? 0),
    resultsMatching: facts.blocks.length - mismatched.length,
    mismatches: mismatched.map(describeMismatch),
    failures: [],
  };
  const fail = (what: string) => summary.failures.push(`${facts.path}: ${what}`);
  if (facts.mempool.bytes < limits.minMempoolBytes)
    fail(`mempool filled with ${facts.mempool.bytes} bytes, below ${limits.minMempoolBytes}`);
  if (facts.mempoolToTemplateMs === null) fail("no template carried the mempool's transactions");
  else if (facts.mempoolToTemplateMs > limits.templateLatencyMs)
    fail(`mempool to template took ${facts.mempoolToTemplateMs} ms, more than one long-poll cycle (${limits.templateLatencyMs} ms)`);
  if (facts.blocks.length === 0) fail("no block was found through Gatehouse");
  if (accepted.length === 0 && facts.blocks.length > 0) fail("no block found through Gatehouse is in Core's active chain");
  if (summary.bigBlocksAccepted === 0)
    fail(`no block of ${limits.bigBlockBytes} bytes or more reached Core's active chain (largest: ${summary.largestAcceptedBytes})`);
  if (mismatched.length > 0) fail(`${mismatched.length} of ${facts.blocks.length} reported results differ from Core's chain`);
  return summary;
}
