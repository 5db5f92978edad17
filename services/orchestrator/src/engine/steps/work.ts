import { contract } from "@gatehouse/sdk";
import { type Address, getAddress, type Hex, stringToHex } from "viem";
import { rewardsDistributorAbi, studioProxyAbi } from "../../chain/abi.js";
import { computeDkg, DkgError, toBasisPoints } from "../../dkg/index.js";
import { EvidenceError } from "../../evidence/errors.js";
import { type EvidenceStatus, workEvidenceTags } from "../../evidence/store.js";
import type { StepResult, WorkSubmissionInput } from "../types.js";
import { AWAITING_SINCE, awaitTx, dataHashOf, type StepContext, type StepDefinition, sendOnce, txKey } from "./context.js";

const input = (ctx: StepContext) => ctx.wf.input as WorkSubmissionInput;

const complete = (ctx: StepContext): StepResult => ({
  kind: "next",
  step: null,
  patch: { onchain_confirmed: true, register_confirmed: true, register_confirmed_at: ctx.clock.now() },
});

/** Whether the work is registered with the RewardsDistributor (the chain reader's index of the epoch's works). */
async function isRegistered(ctx: StepContext): Promise<boolean> {
  const { studio_address, epoch } = input(ctx);
  return ctx.chain.isWorkRegistered(studio_address, epoch, dataHashOf(ctx));
}

/** Work registered with the RewardsDistributor is the end state: never register twice. */
async function registeredAlready(ctx: StepContext): Promise<StepResult | undefined> {
  return (await isRegistered(ctx)) ? complete(ctx) : undefined;
}

/** submitWork is on chain: advance to registration if it is ours, fail if another signer's. */
async function submittedAlready(ctx: StepContext): Promise<StepResult | undefined> {
  const submitter = await ctx.chain.workSubmitter(input(ctx).studio_address, dataHashOf(ctx));
  return submitter && submittedBy(ctx, submitter);
}

function submittedBy(ctx: StepContext, submitter: string): StepResult {
  if (submitter.toLowerCase() !== input(ctx).signer_address.toLowerCase()) {
    return { kind: "fail", code: "ALREADY_SUBMITTED", message: `work ${dataHashOf(ctx)} was submitted by ${submitter}` };
  }
  return { kind: "next", step: "REGISTER_WORK", patch: { onchain_confirmed: true, onchain_confirmed_at: ctx.clock.now() } };
}

/** An evidence store failure with the store's code: retried (then STALLED) when retryable, else FAILED. */
function evidenceFailure(err: unknown): StepResult {
  if (!(err instanceof EvidenceError)) throw err;
  if (!err.retryable) return { kind: "fail", code: err.code, message: err.message };
  return { kind: "retry", code: err.code, message: err.message, category: "TRANSIENT" };
}

/** Multi-agent when the DKG names several address authors, the signer among them. */
function participants(ctx: StepContext): { addresses: Address[]; weights: number[] } | undefined {
  const bps = ctx.wf.progress.dkg_basis_points as Record<string, number> | undefined;
  if (!bps) return undefined;
  const entries = Object.entries(bps).filter(([, points]) => points > 0);
  if (entries.length < 2 || !entries.every(([a]) => contract.ADDRESS.test(a))) return undefined;
  if (!entries.some(([a]) => a === input(ctx).signer_address.toLowerCase())) return undefined;
  return { addresses: entries.map(([a]) => getAddress(a)), weights: entries.map(([, w]) => w) };
}

export const workSteps: Record<string, StepDefinition> = {
  COMPUTE_DKG: {
    replayable: true,
    irreversible: false,
    async execute(ctx) {
      if (ctx.wf.progress.dkg_thread_root) return { kind: "next", step: "UPLOAD_EVIDENCE" };
      const { dkg_evidence, thread_root, evidence_root } = input(ctx);
      if (dkg_evidence && dkg_evidence.length > 0) {
        try {
          const dkg = computeDkg(dkg_evidence, ctx.dkgVersion);
          return {
            kind: "next",
            step: "UPLOAD_EVIDENCE",
            patch: {
              dkg_thread_root: dkg.threadRoot,
              dkg_evidence_root: dkg.evidenceRoot,
              dkg_weights: Object.fromEntries(dkg.weights),
              dkg_basis_points: Object.fromEntries(toBasisPoints(dkg.weights)),
              dkg_version: dkg.version,
            },
          };
        } catch (err) {
          if (err instanceof DkgError || err instanceof RangeError)
            return { kind: "fail", code: "DKG_COMPUTATION_FAILED", message: err.message };
          throw err;
        }
      }
      if (thread_root && evidence_root) {
        return { kind: "next", step: "UPLOAD_EVIDENCE", patch: { dkg_thread_root: thread_root, dkg_evidence_root: evidence_root } };
      }
      return { kind: "fail", code: "MISSING_DKG_ROOTS", message: "neither dkg_evidence nor thread_root/evidence_root given" };
    },
  },

  UPLOAD_EVIDENCE: {
    irreversible: false,
    async execute(ctx) {
      if (ctx.wf.progress.arweave_tx_id) return { kind: "next", step: "AWAIT_ARWEAVE_CONFIRM" };
      const { studio_address, epoch, data_hash, agent_address, evidence_content } = input(ctx);
      if (evidence_content === undefined)
        return {
          kind: "fail",
          code: "EVIDENCE_MISSING",
          message: "the evidence bytes were dropped before the evidence store confirmed them",
        };
      const tags = workEvidenceTags({ studio: studio_address, epoch, dataHash: data_hash, agent: agent_address });
      try {
        const { id, uri } = await ctx.evidence.put(Buffer.from(evidence_content, "base64"), tags);
        return { kind: "next", step: "AWAIT_ARWEAVE_CONFIRM", patch: { arweave_tx_id: id, evidence_uri: uri } };
      } catch (err) {
        return evidenceFailure(err);
      }
    },
  },

  AWAIT_ARWEAVE_CONFIRM: {
    replayable: true,
    irreversible: false,
    async execute(ctx) {
      const id = ctx.wf.progress.arweave_tx_id as string | undefined;
      if (!id) return { kind: "next", step: "UPLOAD_EVIDENCE" };
      let status: EvidenceStatus;
      try {
        status = await ctx.evidence.status(id);
      } catch (err) {
        return evidenceFailure(err);
      }
      // Stored and confirmed: the evidence store holds the bytes now, the record keeps only the URI.
      if (status === "confirmed")
        return {
          kind: "next",
          step: "SUBMIT_WORK_ONCHAIN",
          patch: { arweave_confirmed: true, arweave_confirmed_at: ctx.clock.now() },
          compactInput: true,
        };
      const pollMs = ctx.evidence.pollIntervalMs ?? ctx.pollMs;
      const since = Number(ctx.wf.progress[AWAITING_SINCE] ?? 0);
      if (since === 0) return { kind: "wait", delayMs: pollMs, patch: { [AWAITING_SINCE]: ctx.clock.now() } };
      if (ctx.clock.now() - since <= ctx.evidenceWindowMs) return { kind: "wait", delayMs: pollMs };
      // The network no longer knows the upload: it was dropped, so archive the evidence again.
      if (status === "not_found") return { kind: "next", step: "UPLOAD_EVIDENCE", remove: ["arweave_tx_id", "evidence_uri"] };
      return {
        kind: "stall",
        code: "ARWEAVE_TIMEOUT",
        message: `evidence ${id} not confirmed within ${ctx.evidenceWindowMs} ms (${status})`,
      };
    },
  },

  SUBMIT_WORK_ONCHAIN: {
    replayable: true,
    irreversible: true,
    async reconcile(ctx) {
      const done = await registeredAlready(ctx);
      if (done) return done;
      // Work not on chain: a transaction of ours signed before is found by the submit, which
      // re-broadcasts it, so the transaction store is read here only once the chain shows the work.
      const submitter = await ctx.chain.workSubmitter(input(ctx).studio_address, dataHashOf(ctx));
      if (!submitter) return undefined;
      if (await ctx.tx.load(txKey(ctx, "SUBMIT_WORK_ONCHAIN"))) return { kind: "next", step: "AWAIT_TX_CONFIRM" };
      return submittedBy(ctx, submitter);
    },
    async execute(ctx) {
      const { studio_address, signer_address } = input(ctx);
      const roots = [ctx.wf.progress.dkg_thread_root, ctx.wf.progress.dkg_evidence_root] as Hex[];
      const feedbackAuth = stringToHex(String(ctx.wf.progress.evidence_uri ?? ""));
      const multi = participants(ctx);
      const call = multi
        ? {
            address: getAddress(studio_address),
            abi: studioProxyAbi,
            functionName: "submitWorkMultiAgent",
            args: [dataHashOf(ctx), roots[0], roots[1], multi.addresses, multi.weights, String(ctx.wf.progress.evidence_uri ?? "")],
          }
        : {
            address: getAddress(studio_address),
            abi: studioProxyAbi,
            functionName: "submitWork",
            args: [dataHashOf(ctx), roots[0], roots[1], feedbackAuth],
          };
      return sendOnce(
        ctx,
        "SUBMIT_WORK_ONCHAIN",
        signer_address,
        call,
        "TX_REVERTED",
        (hash) => ({ kind: "next", step: "AWAIT_TX_CONFIRM", patch: hash ? { onchain_tx_hash: hash } : {} }),
        async () => !(await ctx.chain.workSubmitter(studio_address, dataHashOf(ctx))),
      );
    },
  },

  AWAIT_TX_CONFIRM: {
    replayable: true,
    irreversible: true,
    reconcile: registeredAlready,
    async execute(ctx) {
      return awaitTx(ctx, "SUBMIT_WORK_ONCHAIN", "TX_REVERTED", async (block, hash) => {
        if (!(await ctx.chain.workSubmitter(input(ctx).studio_address, dataHashOf(ctx)))) {
          return { kind: "fail", code: "RECONCILIATION_FAILURE", message: `tx_confirmed_but_work_not_found: ${hash}` };
        }
        return {
          kind: "next",
          step: "REGISTER_WORK",
          patch: { onchain_tx_hash: hash, onchain_confirmed: true, onchain_block: Number(block), onchain_confirmed_at: ctx.clock.now() },
        };
      }).then(async (result) => {
        // No transaction of ours: someone else's submitWork may be on chain (or it never went out).
        if (result.kind === "next" && result.step === "SUBMIT_WORK_ONCHAIN") return (await submittedAlready(ctx)) ?? result;
        return result;
      });
    },
  },

  REGISTER_WORK: {
    replayable: true,
    irreversible: true,
    // Not registered: a transaction of ours signed before is found by the submit, which re-broadcasts it.
    reconcile: registeredAlready,
    async execute(ctx) {
      const { studio_address, epoch } = input(ctx);
      const call = {
        address: ctx.chain.rewardsDistributor,
        abi: rewardsDistributorAbi,
        functionName: "registerWork",
        args: [getAddress(studio_address), BigInt(epoch), dataHashOf(ctx)],
      };
      return sendOnce(
        ctx,
        "REGISTER_WORK",
        ctx.adminSigner,
        call,
        "REGISTER_TX_REVERTED",
        (hash) => (hash ? { kind: "next", step: "AWAIT_REGISTER_CONFIRM", patch: { register_tx_hash: hash } } : complete(ctx)),
        async () => !(await isRegistered(ctx)),
      );
    },
  },

  AWAIT_REGISTER_CONFIRM: {
    replayable: true,
    irreversible: true,
    async execute(ctx) {
      return awaitTx(ctx, "REGISTER_WORK", "REGISTER_TX_REVERTED", async (_block, hash) => {
        if (!(await registeredAlready(ctx)))
          return { kind: "fail", code: "RECONCILIATION_FAILURE", message: `register tx ${hash} confirmed but work not registered` };
        return {
          kind: "next",
          step: null,
          patch: { register_tx_hash: hash, register_confirmed: true, register_confirmed_at: ctx.clock.now() },
        };
      });
    },
  },
};
