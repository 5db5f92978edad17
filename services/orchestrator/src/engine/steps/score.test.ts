import { describe, expect, it } from "@jest/globals";
import { AGENT, chainReader, STUDIO, stepContext, workRecord } from "../../../test/fixtures.js";
import { scoreSteps } from "./score.js";

const POLL_MS = 2_000;
const NOW = 1_700_000_000_000;

/** A reveal whose commit phase ends `commitInMs` from now: only the deadlines and the clock matter. */
function revealWait(commitInMs: number) {
  const commit = Math.floor((NOW + commitInMs) / 1000);
  const wf = workRecord("RUNNING", {
    type: "ScoreSubmission",
    step: "REVEAL_SCORE",
    input: {
      studio_address: STUDIO,
      epoch: 1,
      validator_address: AGENT,
      data_hash: "0x01",
      scores: [1],
      salt: "0x02",
      signer_address: AGENT,
    },
  });
  const ctx = stepContext(wf, NOW, { chain: chainReader({ deadlines: async () => ({ commit, reveal: commit + 600 }) }), pollMs: POLL_MS });
  return scoreSteps.REVEAL_SCORE?.execute(ctx);
}

describe("REVEAL_SCORE before the commit phase ends", () => {
  it("waits until the phase ends (plus the margin) when that is near", async () => {
    const result = await revealWait(5_000);
    expect(result?.kind).toBe("wait");
    expect(result?.kind === "wait" && result.delayMs).toBeGreaterThan(5_000);
    expect(result?.kind === "wait" && result.delayMs).toBeLessThanOrEqual(6_000);
  });

  it("re-reads the deadlines after at most 15 polls when the phase ends later, since the owner may move them", async () => {
    expect(await revealWait(3_600_000)).toEqual({ kind: "wait", delayMs: 15 * POLL_MS });
  });
});
