// Records and step contexts the orchestrator's unit tests build on: one WorkSubmission record, a
// chain reader and a transaction manager that fail loudly if a test's code path reaches them, and
// a StepContext around a record.
import { ManualClock } from "@gatehouse/service";
import { zeroAddress } from "viem";
import type { ChainReaderPort, TransactionsPort } from "../src/engine/ports.js";
import type { StepContext } from "../src/engine/steps/context.js";
import type { WorkflowRecord, WorkflowState } from "../src/engine/types.js";
import type { EvidenceStore } from "../src/evidence/store.js";

export const STUDIO = "0x00000000000000000000000000000000000000aa";
export const AGENT = "0x00000000000000000000000000000000000000bb";

/** A WorkSubmission in `state`, with `overrides` on top. */
export function workRecord(state: WorkflowState, overrides: Partial<WorkflowRecord> = {}): WorkflowRecord {
  return {
    id: "wf-1",
    type: "WorkSubmission",
    state,
    step: "SUBMIT_WORK_ONCHAIN",
    attempts: 0,
    createdAt: 1,
    updatedAt: 2,
    input: { studio_address: STUDIO, epoch: 1, agent_address: AGENT, data_hash: "0x01", signer_address: AGENT },
    progress: {},
    signer: AGENT,
    studio: STUDIO,
    leaseToken: 1,
    ...overrides,
  };
}

export class UnexpectedCallError extends Error {
  override name = "UnexpectedCallError";
}

/** Stands in for a dependency a test's code path must not reach. */
export const unexpected = async (): Promise<never> => {
  throw new UnexpectedCallError("this test's code path must not call the chain, the transaction manager or the evidence store here");
};

/** A chain reader whose every read fails, but for `overrides`. */
export function chainReader(overrides: Partial<ChainReaderPort> = {}): ChainReaderPort {
  return {
    rewardsDistributor: zeroAddress,
    workSubmitter: unexpected,
    isWorkRegistered: unexpected,
    epochWork: unexpected,
    isValidatorRegistered: unexpected,
    workValidators: unexpected,
    hasScoredWorker: unexpected,
    scoreCommitment: unexpected,
    hasRevealed: unexpected,
    deadlines: unexpected,
    rewardsOwner: unexpected,
    epochClosure: unexpected,
    ...overrides,
  };
}

/** The context a step runs with: `wf` at time `now`, everything else failing unless overridden. */
export function stepContext(wf: WorkflowRecord, now: number, overrides: Partial<StepContext> = {}): StepContext {
  const tx: TransactionsPort = { hasSigner: () => true, load: unexpected, submit: unexpected, checkAndRebroadcast: unexpected };
  const evidence: EvidenceStore = { kind: "test", pollIntervalMs: 5_000, status: unexpected, put: unexpected, get: unexpected };
  return {
    wf,
    chain: chainReader(),
    tx,
    evidence,
    adminSigner: zeroAddress,
    dkgVersion: "1.0.0",
    pollMs: 500,
    confirmTimeoutMs: 60_000,
    evidenceWindowMs: 60_000,
    clock: new ManualClock(now),
    noted: {},
    ...overrides,
  };
}
