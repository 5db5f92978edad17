import { BlockStatus } from "@gatehouse/proto/mining/v1";
import { describe, expect, it } from "@jest/globals";
import { outcomeOf, submitFailed } from "./outcome.js";

describe("submitblock answers read as Bitcoin Core means them, decided by the chain", () => {
  it("a block in the active chain is accepted whatever the answer (null, duplicate, inconclusive)", () => {
    for (const answer of [null, "duplicate", "inconclusive"])
      expect(outcomeOf(answer, "active")).toEqual({ status: BlockStatus.ACTIVE_CHAIN, rejectReason: "", nodeAnswer: answer ?? "null" });
  });

  it("a stored block off the active chain (a same-height twin) is stale, never accepted, also when resubmitted (duplicate)", () => {
    expect(outcomeOf("inconclusive", "stale")).toMatchObject({ status: BlockStatus.STALE, nodeAnswer: "inconclusive" });
    expect(outcomeOf("duplicate", "stale")).toMatchObject({
      status: BlockStatus.STALE,
      rejectReason: "not on the best chain (node answered duplicate)",
    });
  });

  it("a block the node does not hold is rejected with the node's reason (bcoin's prefix dropped), or unconfirmed if the node claimed success", () => {
    expect(outcomeOf("bad-txnmrklroot", "absent")).toEqual({
      status: BlockStatus.REJECTED,
      rejectReason: "bad-txnmrklroot",
      nodeAnswer: "bad-txnmrklroot",
    });
    expect(outcomeOf("rejected: bad-cb-height", "absent")).toMatchObject({ status: BlockStatus.REJECTED, rejectReason: "bad-cb-height" });
    expect(outcomeOf(null, "absent").status).toBe(BlockStatus.UNCONFIRMED);
    expect(outcomeOf("inconclusive", "absent").status).toBe(BlockStatus.UNCONFIRMED);
  });

  it("a submission that never reached the node says so", () => {
    expect(submitFailed("no connection")).toEqual({
      status: BlockStatus.SUBMIT_FAILED,
      rejectReason: "submit_failed: no connection",
      nodeAnswer: "none",
    });
  });
});
