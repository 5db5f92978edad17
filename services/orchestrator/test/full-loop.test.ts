// The full ChaosChain loop through the REST API with the SDK client, against anvil and real
// Redis/NATS: work → score (direct and commit-reveal) → close epoch, with the chain checked.
import { type GatewayError, ScoreSubmissionMode, WorkflowFailedError } from "@gatehouse/sdk";
import type { ServiceProcess } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { getAddress } from "viem";
import { PROGRESS_KEYS } from "../src/api/openapi.js";
import { rewardsDistributorAbi, studioProxyAbi } from "../src/chain/abi.js";
import { computeDkg } from "../src/dkg/index.js";
import { encodeScoreVector, scoreCommitment } from "../src/scores.js";
import {
  AGENTS,
  chainClients,
  dataHash,
  evidenceFor,
  gateway,
  setDeadlines,
  setUp,
  startOrchestrator,
  type TestEnv,
  tearDown,
} from "./harness.js";

let env: TestEnv;
let orchestrator: ServiceProcess;
const [owner, worker, verifier] = AGENTS as [string, string, string];

/** The progress keys a workflow carries are the ones the OpenAPI document lists for its type. */
function expectDocumentedProgress(wf: { workflowType: keyof typeof PROGRESS_KEYS; rawProgress: Record<string, unknown> }) {
  const documented = Object.keys(PROGRESS_KEYS[wf.workflowType]);
  expect(Object.keys(wf.rawProgress).filter((key) => !documented.includes(key))).toEqual([]);
}

beforeAll(async () => {
  env = await setUp("orchloop");
  orchestrator = await startOrchestrator(env);
}, 60_000);

afterAll(() => tearDown(env), 30_000);

describe("full loop", () => {
  it("work (dkg_evidence) → direct score → commit-reveal score → close epoch", async () => {
    const client = gateway(orchestrator);
    const studio = env.deployment.studioProxy;
    const { public: chain } = chainClients(env);
    const workA = dataHash("loop-work-a");
    const workB = dataHash("loop-work-b");
    const evidence = evidenceFor("loop-a", worker);

    const started = await client.submitWork(studio, 7, worker, workA, "", "", "evidence bytes", worker, { dkgEvidence: evidence });
    expect(started).toMatchObject({ state: "CREATED", step: "COMPUTE_DKG", workflowType: "WorkSubmission" });
    const work = await client.waitForCompletion(started.workflowId);
    const expected = computeDkg(evidence);
    expect(work.rawProgress).toMatchObject({
      dkg_thread_root: expected.threadRoot,
      dkg_evidence_root: expected.evidenceRoot,
      dkg_weights: { [worker]: 1 },
      arweave_confirmed: true,
      arweave_confirmed_at: expect.any(Number),
      onchain_confirmed: true,
      onchain_block: expect.any(Number),
      onchain_confirmed_at: expect.any(Number),
      register_confirmed: true,
      register_confirmed_at: expect.any(Number),
    });
    expect(work.progress.onchainBlock).toBe(work.rawProgress.onchain_block);
    expectDocumentedProgress(work);
    expect(work.error).toBeUndefined();

    // Legacy body (what the published SDK clients send): roots given directly.
    const legacy = await client.submitWork(studio, 7, owner, workB, expected.threadRoot, expected.evidenceRoot, "legacy", owner);
    await client.waitForCompletion(legacy.workflowId);

    expect(await chain.readContract({ address: studio, abi: studioProxyAbi, functionName: "getWorkSubmitter", args: [workA] })).toBe(
      getAddress(worker),
    );
    const registered = await chain.readContract({
      address: env.deployment.rewardsDistributor,
      abi: rewardsDistributorAbi,
      functionName: "getEpochWork",
      args: [studio, 7n],
    });
    expect([...registered].sort()).toEqual([workA, workB].sort());

    // Both works are completed and unscored: the SDK's getPendingWork lists them (oldest first).
    const pending = await client.getPendingWork(studio);
    expect(pending.version).toBe("1.0");
    expect(pending.data).toMatchObject({ studio, total: 2, limit: 20, offset: 0 });
    expect(pending.data.work.map((w) => w.work_id)).toEqual([workA, workB]);
    expect(pending.data.work[0]).toMatchObject({
      data_hash: workA,
      worker_address: worker,
      studio_address: studio,
      epoch: 7,
      evidence_anchor: work.rawProgress.arweave_tx_id,
      derivation_root: expected.threadRoot,
    });
    expect((await client.getPendingWork(studio, { limit: 1, offset: 1 })).data.work.map((w) => w.work_id)).toEqual([workB]);
    const evidenceA = await client.getWorkEvidence(workA);
    expect(evidenceA).toEqual({ version: "1.0", data: { work_id: workA, dkg_evidence: evidence, thread_root: expected.threadRoot } });

    const direct = await client.submitScore(studio, 7, verifier, workA, [8500, 9000, 7000, 8000, 9500], verifier, {
      workerAddress: worker,
      mode: ScoreSubmissionMode.DIRECT,
    });
    expect(direct.step).toBe("SUBMIT_SCORE_DIRECT");
    const directDone = await client.waitForCompletion(direct.workflowId);
    expect(directDone.progress.scoreTxHash).toMatch(/^0x[0-9a-f]{64}$/);
    // The gateway's direct-score keys: score_block, not the work submission's onchain_* keys.
    const scoreReceipt = await chain.getTransactionReceipt({ hash: directDone.progress.scoreTxHash as `0x${string}` });
    expect(directDone.rawProgress).toMatchObject({
      score_confirmed: true,
      score_block: Number(scoreReceipt.blockNumber),
      score_confirmed_at: expect.any(Number),
      register_validator_confirmed: true,
      register_validator_confirmed_at: expect.any(Number),
    });
    expect(directDone.progress.onchainBlock).toBeUndefined();
    expect(directDone.progress.onchainConfirmed).toBeUndefined();
    expectDocumentedProgress(directDone);
    expect((await client.getPendingWork(studio)).data.work.map((w) => w.work_id)).toEqual([workB]);
    expect((await client.getPendingWork(studio, { status: "scored" })).data.work.map((w) => w.work_id)).toEqual([workA]);

    // Commit-reveal on work B: the reveal is scheduled after the commit deadline.
    const commitDeadline = await setDeadlines(env, workB, 3);
    const salt = `0x${"ab".repeat(32)}`;
    const cr = await client.submitScore(studio, 7, verifier, workB, [9000, 9000, 9000, 9000, 9000], verifier, {
      mode: ScoreSubmissionMode.COMMIT_REVEAL,
      salt,
    });
    expect(cr.step).toBe("COMMIT_SCORE");
    const crDone = await client.waitForCompletion(cr.workflowId);
    expect(crDone.progress.commitTxHash).toMatch(/^0x/);
    expect(crDone.progress.revealTxHash).toMatch(/^0x/);
    const commitTx = await chain.getTransactionReceipt({ hash: crDone.progress.commitTxHash as `0x${string}` });
    expect(crDone.rawProgress).toMatchObject({
      commit_hash: scoreCommitment(encodeScoreVector([9000, 9000, 9000, 9000, 9000]), salt as `0x${string}`, workB),
      commit_confirmed: true,
      commit_block: Number(commitTx.blockNumber),
      commit_confirmed_at: expect.any(Number),
      reveal_confirmed: true,
      reveal_block: expect.any(Number),
      reveal_confirmed_at: expect.any(Number),
    });
    expect(crDone.progress.onchainBlock).toBeUndefined();
    expectDocumentedProgress(crDone);
    const revealTx = await chain.getTransactionReceipt({ hash: crDone.progress.revealTxHash as `0x${string}` });
    expect(crDone.rawProgress.reveal_block).toBe(Number(revealTx.blockNumber));
    const revealBlock = await chain.getBlock({ blockNumber: revealTx.blockNumber });
    expect(Number(revealBlock.timestamp)).toBeGreaterThan(commitDeadline);
    expect(
      await chain.readContract({
        address: studio,
        abi: studioProxyAbi,
        functionName: "getRevealedScore",
        args: [workB, getAddress(verifier)],
      }),
    ).not.toBe("0x");

    const close = await client.closeEpoch(studio, 7, owner);
    expect(close.step).toBe("CHECK_PRECONDITIONS");
    const closed = await client.waitForCompletion(close.workflowId);
    const receipt = await chain.getTransactionReceipt({ hash: closed.rawProgress.close_tx_hash as `0x${string}` });
    expect(receipt.status).toBe("success");
    expect(closed.rawProgress).toMatchObject({
      preconditions_checked: true,
      preconditions_checked_at: expect.any(Number),
      close_confirmed: true,
      close_block: Number(receipt.blockNumber),
      close_confirmed_at: expect.any(Number),
    });
    expect(closed.progress.onchainBlock).toBeUndefined();
    expect(closed.progress.onchainConfirmed).toBeUndefined();
    expectDocumentedProgress(closed);
    const finalized = await client.getPendingWork(studio, { status: "finalized" });
    expect(finalized.data.work.map((w) => w.work_id)).toEqual([workA, workB]);
    expect((await client.getPendingWork(studio)).data).toMatchObject({ work: [], total: 0 });

    // A second close-epoch request dedupes onto the completed workflow: no second closeEpoch.
    const again = await client.closeEpoch(studio, 7, owner);
    expect(again.workflowId).toBe(close.workflowId);
    const logs = await chain.getContractEvents({
      address: env.deployment.rewardsDistributor,
      abi: rewardsDistributorAbi,
      eventName: "EpochClosed",
      fromBlock: 0n,
    });
    expect(logs).toHaveLength(1);
  }, 90_000);

  it("fails with the decoded revert reason and the reference's code when the chain refuses", async () => {
    const client = gateway(orchestrator);
    // A non-owner cannot close an epoch: checked before sending anything.
    const close = await client.closeEpoch(env.deployment.studioProxy, 99, verifier);
    await expect(client.waitForCompletion(close.workflowId)).rejects.toThrow(WorkflowFailedError);
    const failed = await client.getWorkflow(close.workflowId);
    expect(failed.error).toMatchObject({ code: "SIGNER_NOT_OWNER", step: "CHECK_PRECONDITIONS" });

    // Scoring a worker who is not a participant: the simulation reverts with the contract's reason.
    const score = await client.submitScore(env.deployment.studioProxy, 7, owner, dataHash("loop-work-a"), [1], owner, {
      workerAddress: verifier,
    });
    const error = await client.waitForCompletion(score.workflowId).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).message).toBe(
      `Workflow ${score.workflowId} failed at step SUBMIT_SCORE_DIRECT: Worker not a participant`,
    );
    expect((error as WorkflowFailedError).workflowError.code).toBe("SCORE_TX_REVERTED");

    // Commit-reveal without deadlines on chain fails fast.
    const noDeadline = await client.submitScore(env.deployment.studioProxy, 7, verifier, dataHash("loop-no-deadline"), [1], verifier, {
      mode: ScoreSubmissionMode.COMMIT_REVEAL,
      salt: `0x${"01".repeat(32)}`,
    });
    await expect(client.waitForCompletion(noDeadline.workflowId)).rejects.toThrow(/no commit\/reveal deadlines/);
    expect((await client.getWorkflow(noDeadline.workflowId)).error?.code).toBe("COMMIT_REVEAL_NOT_CONFIGURED");

    await expect(client.getWorkflow("not-a-uuid")).rejects.toMatchObject({ statusCode: 404 } satisfies Partial<GatewayError>);
  }, 60_000);
});
