import { ManualClock } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { zeroAddress } from "viem";
import type { EvidenceStore } from "../../evidence/store.js";
import type { ChainReaderPort, TransactionsPort } from "../ports.js";
import type { WorkflowRecord } from "../types.js";
import type { StepContext } from "./context.js";
import { scoreSteps } from "./score.js";

const POLL_MS = 2_000;
const NOW = 1_700_000_000_000;

const unused = async (): Promise<never> => {
  throw new Error("the reveal's wait must not call this");
};

/** A reveal whose commit phase ends `commitInMs` from now: only the deadlines and the clock matter. */
function revealWait(commitInMs: number) {
  const commit = Math.floor((NOW + commitInMs) / 1000);
  const chain: ChainReaderPort = {
    rewardsDistributor: zeroAddress,
    workSubmitter: unused,
    isWorkRegistered: unused,
    epochWork: unused,
    isValidatorRegistered: unused,
    workValidators: unused,
    hasScoredWorker: unused,
    scoreCommitment: unused,
    hasRevealed: unused,
    deadlines: async () => ({ commit, reveal: commit + 600 }),
    rewardsOwner: unused,
    epochClosedTx: unused,
  };
  const tx: TransactionsPort = { hasSigner: () => true, load: unused, submit: unused, checkAndRebroadcast: unused };
  const evidence: EvidenceStore = { kind: "test", pollIntervalMs: POLL_MS, status: unused, put: unused, get: unused };
  const wf: WorkflowRecord = {
    id: "wf",
    type: "ScoreSubmission",
    state: "RUNNING",
    step: "REVEAL_SCORE",
    attempts: 0,
    createdAt: 0,
    updatedAt: 0,
    input: {
      studio_address: zeroAddress,
      epoch: 1,
      validator_address: zeroAddress,
      data_hash: "0x01",
      scores: [1],
      salt: "0x02",
      signer_address: zeroAddress,
    },
    progress: {},
    signer: zeroAddress,
    studio: zeroAddress,
    leaseToken: 1,
  };
  const ctx: StepContext = {
    wf,
    chain,
    tx,
    evidence,
    adminSigner: zeroAddress,
    dkgVersion: "1.0.0",
    pollMs: POLL_MS,
    confirmTimeoutMs: 60_000,
    evidenceWindowMs: 60_000,
    clock: new ManualClock(NOW),
  };
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
