import { BlockStatus } from "@gatehouse/proto/mining/v1";

/** Where a submitted block stands, confirmed against the chain. */
export interface SubmitOutcome {
  status: BlockStatus;
  /** Why the block is not in the active chain; empty when it is. */
  rejectReason: string;
  /** The node's literal answer ("null", "duplicate", "inconclusive", a rejection string), or "none". */
  nodeAnswer: string;
}

/** What the node's chain holds of a block: nothing, a stored block off the active chain, or a block in it. */
export type ChainPosition = "absent" | "stale" | "active";

/**
 * Reads a submitblock answer as Bitcoin Core means it (src/rpc/mining.cpp `submitblock`): `null` =
 * accepted into the active chain, `"duplicate"` = already known, `"inconclusive"` = valid so far but
 * not (yet) the tip — what a same-height twin gets — and any other string a rejection. The answer
 * alone is not the outcome: the chain is. A block in the active chain is accepted whatever the
 * answer; a stored block off it is stale; a block the node does not hold is rejected with the
 * node's reason, or unconfirmed when the node claimed success.
 * bcoin says "rejected: <reason>" where Core says "<reason>"; the prefix is dropped.
 */
export function outcomeOf(answer: string | null, position: ChainPosition): SubmitOutcome {
  const nodeAnswer = answer === null ? "null" : answer.replace(/^rejected: /, "");
  switch (position) {
    case "active":
      return { status: BlockStatus.ACTIVE_CHAIN, rejectReason: "", nodeAnswer };
    case "stale":
      return { status: BlockStatus.STALE, rejectReason: `not on the best chain (node answered ${nodeAnswer})`, nodeAnswer };
    case "absent":
      if (nodeAnswer === "null" || nodeAnswer === "inconclusive")
        return { status: BlockStatus.UNCONFIRMED, rejectReason: `the node answered ${nodeAnswer} but holds no such block`, nodeAnswer };
      return { status: BlockStatus.REJECTED, rejectReason: nodeAnswer, nodeAnswer };
  }
}

/** The `nodeAnswer` of a block not submitted this time. */
export const NOT_SUBMITTED = "none";

/** Not submitted at all (no adapter, no connection, transactions unavailable); `reason` says why. */
export function submitFailed(reason: string): SubmitOutcome {
  return { status: BlockStatus.SUBMIT_FAILED, rejectReason: `submit_failed: ${reason}`, nodeAnswer: NOT_SUBMITTED };
}
