import { getAddress, type Hex } from "viem";
import { rewardsDistributorAbi, studioProxyAbi } from "../../chain/abi.js";
import { encodeScoreVector, scoreCommitment } from "../../scores.js";
import type { ScoreSubmissionInput, StepResult } from "../types.js";
import { awaitTx, dataHashOf, type StepContext, type StepDefinition, sendOnce, txKey } from "./context.js";

const input = (ctx: StepContext) => ctx.wf.input as ScoreSubmissionInput;
const complete = (ctx: StepContext): StepResult => ({
  kind: "next",
  step: null,
  patch: { register_validator_confirmed: true, register_validator_confirmed_at: ctx.clock.now() },
});
/** Extra wait after the commit deadline so the reveal's block is strictly later. */
const DEADLINE_MARGIN_MS = 1_000;
/**
 * A reveal waiting for the commit phase to end re-reads the deadlines after at most this many chain
 * polls: the studio's owner may move them (setCommitRevealDeadlines) while it waits.
 */
const DEADLINE_RECHECK_POLLS = 15;

/** The validator registered with the RewardsDistributor is the end state. */
async function validatorRegistered(ctx: StepContext): Promise<StepResult | undefined> {
  return (await ctx.chain.isValidatorRegistered(dataHashOf(ctx), input(ctx).validator_address)) ? complete(ctx) : undefined;
}

const adminSigner = (ctx: StepContext) => input(ctx).admin_signer_address ?? ctx.adminSigner;

/** Reconciliation for a step that sends `step`'s transaction: done, or already sent → its AWAIT step. */
function reconcileSend(step: string, awaitStep: string, onChain?: (ctx: StepContext) => Promise<StepResult | undefined>) {
  return async (ctx: StepContext): Promise<StepResult | undefined> => {
    const done = await validatorRegistered(ctx);
    if (done) return done;
    if (await ctx.tx.load(txKey(ctx, step))) return { kind: "next", step: awaitStep };
    return onChain?.(ctx);
  };
}

async function revealedAlready(ctx: StepContext): Promise<StepResult | undefined> {
  const { studio_address, signer_address } = input(ctx);
  if (await ctx.chain.hasRevealed(studio_address, dataHashOf(ctx), signer_address)) {
    return { kind: "next", step: "REGISTER_VALIDATOR", patch: { reveal_confirmed: true, reveal_confirmed_at: ctx.clock.now() } };
  }
  return undefined;
}

export const scoreSteps: Record<string, StepDefinition> = {
  SUBMIT_SCORE_DIRECT: {
    irreversible: true,
    reconcile: reconcileSend("SUBMIT_SCORE_DIRECT", "AWAIT_SCORE_CONFIRM", async (ctx) => {
      const { studio_address, worker_address, signer_address } = input(ctx);
      if (worker_address && (await ctx.chain.hasScoredWorker(studio_address, dataHashOf(ctx), worker_address, signer_address))) {
        return { kind: "next", step: "REGISTER_VALIDATOR", patch: { score_confirmed: true, score_confirmed_at: ctx.clock.now() } };
      }
      return undefined;
    }),
    async execute(ctx) {
      const { studio_address, worker_address, scores, signer_address } = input(ctx);
      if (!worker_address) return { kind: "fail", code: "MISSING_WORKER_ADDRESS", message: "direct mode requires worker_address" };
      return sendOnce(
        ctx,
        "SUBMIT_SCORE_DIRECT",
        signer_address,
        {
          address: getAddress(studio_address),
          abi: studioProxyAbi,
          functionName: "submitScoreVectorForWorker",
          args: [dataHashOf(ctx), getAddress(worker_address), encodeScoreVector(scores)],
        },
        "SCORE_TX_REVERTED",
        (hash) => ({ kind: "next", step: "AWAIT_SCORE_CONFIRM", patch: hash ? { score_tx_hash: hash } : {} }),
      );
    },
  },

  AWAIT_SCORE_CONFIRM: {
    irreversible: true,
    reconcile: validatorRegistered,
    execute: (ctx) =>
      awaitTx(ctx, "SUBMIT_SCORE_DIRECT", "SCORE_TX_REVERTED", async (block, hash) => ({
        kind: "next",
        step: "REGISTER_VALIDATOR",
        patch: { score_tx_hash: hash, score_confirmed: true, score_block: Number(block), score_confirmed_at: ctx.clock.now() },
      })),
  },

  COMMIT_SCORE: {
    irreversible: true,
    reconcile: reconcileSend("COMMIT_SCORE", "AWAIT_COMMIT_CONFIRM", async (ctx) => {
      const revealed = await revealedAlready(ctx);
      if (revealed) return revealed;
      const { studio_address, signer_address } = input(ctx);
      if (await ctx.chain.scoreCommitment(studio_address, dataHashOf(ctx), signer_address)) {
        return { kind: "next", step: "REVEAL_SCORE", patch: { commit_confirmed: true, commit_confirmed_at: ctx.clock.now() } };
      }
      return undefined;
    }),
    async execute(ctx) {
      const { studio_address, scores, salt, signer_address } = input(ctx);
      const deadlines = await ctx.chain.deadlines(studio_address, dataHashOf(ctx));
      if (deadlines.commit === 0) {
        return { kind: "fail", code: "COMMIT_REVEAL_NOT_CONFIGURED", message: `no commit/reveal deadlines set for ${dataHashOf(ctx)}` };
      }
      if (ctx.clock.now() > deadlines.commit * 1000) {
        return { kind: "fail", code: "COMMIT_PHASE_ENDED", message: `commit deadline ${deadlines.commit} has passed` };
      }
      const commitment = scoreCommitment(encodeScoreVector(scores), salt as Hex, dataHashOf(ctx));
      return sendOnce(
        ctx,
        "COMMIT_SCORE",
        signer_address,
        { address: getAddress(studio_address), abi: studioProxyAbi, functionName: "commitScore", args: [dataHashOf(ctx), commitment] },
        "COMMIT_TX_REVERTED",
        (hash) => ({
          kind: "next",
          step: "AWAIT_COMMIT_CONFIRM",
          patch: { commit_hash: commitment, ...(hash ? { commit_tx_hash: hash } : {}), commit_deadline: deadlines.commit },
        }),
      );
    },
  },

  AWAIT_COMMIT_CONFIRM: {
    irreversible: true,
    reconcile: validatorRegistered,
    execute: (ctx) =>
      awaitTx(ctx, "COMMIT_SCORE", "COMMIT_TX_REVERTED", async (block, hash) => ({
        kind: "next",
        step: "REVEAL_SCORE",
        patch: { commit_tx_hash: hash, commit_confirmed: true, commit_block: Number(block), commit_confirmed_at: ctx.clock.now() },
      })),
  },

  REVEAL_SCORE: {
    irreversible: true,
    reconcile: reconcileSend("REVEAL_SCORE", "AWAIT_REVEAL_CONFIRM", revealedAlready),
    async execute(ctx) {
      const { studio_address, scores, salt, signer_address } = input(ctx);
      const deadlines = await ctx.chain.deadlines(studio_address, dataHashOf(ctx));
      const opensAt = deadlines.commit * 1000 + DEADLINE_MARGIN_MS;
      // Scheduled, not slept: the engine picks the workflow up again once the commit phase is over.
      if (ctx.clock.now() < opensAt)
        return { kind: "wait", delayMs: Math.min(opensAt - ctx.clock.now(), DEADLINE_RECHECK_POLLS * ctx.pollMs) };
      if (ctx.clock.now() > deadlines.reveal * 1000)
        return { kind: "fail", code: "REVEAL_PHASE_ENDED", message: `reveal deadline ${deadlines.reveal} has passed` };
      const result = await sendOnce(
        ctx,
        "REVEAL_SCORE",
        signer_address,
        {
          address: getAddress(studio_address),
          abi: studioProxyAbi,
          functionName: "revealScore",
          args: [dataHashOf(ctx), encodeScoreVector(scores), salt as Hex],
        },
        "REVEAL_TX_REVERTED",
        (hash) => ({ kind: "next", step: "AWAIT_REVEAL_CONFIRM", patch: hash ? { reveal_tx_hash: hash } : {} }),
      );
      // The chain's clock can trail ours by a block: try again shortly rather than fail.
      if (result.kind === "fail" && result.message === "Commit phase not ended") return { kind: "wait", delayMs: DEADLINE_MARGIN_MS };
      if (result.kind === "fail" && result.message === "Commitment mismatch") return { ...result, code: "COMMIT_MISMATCH" };
      return result;
    },
  },

  AWAIT_REVEAL_CONFIRM: {
    irreversible: true,
    reconcile: validatorRegistered,
    execute: (ctx) =>
      awaitTx(ctx, "REVEAL_SCORE", "REVEAL_TX_REVERTED", async (block, hash) => ({
        kind: "next",
        step: "REGISTER_VALIDATOR",
        patch: { reveal_tx_hash: hash, reveal_confirmed: true, reveal_block: Number(block), reveal_confirmed_at: ctx.clock.now() },
      })),
  },

  REGISTER_VALIDATOR: {
    irreversible: true,
    reconcile: reconcileSend("REGISTER_VALIDATOR", "AWAIT_REGISTER_VALIDATOR_CONFIRM"),
    async execute(ctx) {
      const { validator_address } = input(ctx);
      return sendOnce(
        ctx,
        "REGISTER_VALIDATOR",
        adminSigner(ctx),
        {
          address: ctx.chain.rewardsDistributor,
          abi: rewardsDistributorAbi,
          functionName: "registerValidator",
          args: [dataHashOf(ctx), getAddress(validator_address)],
        },
        "REGISTER_TX_REVERTED",
        (hash) =>
          hash ? { kind: "next", step: "AWAIT_REGISTER_VALIDATOR_CONFIRM", patch: { register_validator_tx_hash: hash } } : complete(ctx),
        async () => !(await ctx.chain.isValidatorRegistered(dataHashOf(ctx), validator_address)),
      );
    },
  },

  AWAIT_REGISTER_VALIDATOR_CONFIRM: {
    irreversible: true,
    execute: (ctx) =>
      awaitTx(ctx, "REGISTER_VALIDATOR", "REGISTER_TX_REVERTED", async (_block, hash) => ({
        kind: "next",
        step: null,
        patch: { register_validator_tx_hash: hash, register_validator_confirmed: true, register_validator_confirmed_at: ctx.clock.now() },
      })),
  },
};
