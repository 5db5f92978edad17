import { describe, expect, it } from "@jest/globals";
import { emptyCounts, formatStatus } from "./monitor.js";

describe("formatStatus", () => {
  it("prints blocks, shares with rejections by frequency, forwards and workflows on one line", () => {
    const counts = {
      ...emptyCounts(),
      blocksFound: 5,
      blocksAccepted: 4,
      blocksRejected: 1,
      height: 155,
      sharesAccepted: 5,
      sharesRejected: 3,
      rejectReasons: { stale_job_submission: 1, share_difficulty_below_target: 2 },
      forwardedAccepted: 5,
      workflowsCompleted: 2,
    };
    expect(formatStatus(counts)).toBe(
      "blocks found 5, accepted 4, rejected 1 (height 155) | shares accepted 5, rejected 3 (share_difficulty_below_target 2, stale_job_submission 1) | forwarded to the pool 5 | workflows completed 2",
    );
  });

  it("leaves out what has not happened", () => {
    expect(formatStatus(emptyCounts())).toBe(
      "blocks found 0, accepted 0 (height 0) | shares accepted 0, rejected 0 | forwarded to the pool 0 | workflows completed 0",
    );
  });
});
