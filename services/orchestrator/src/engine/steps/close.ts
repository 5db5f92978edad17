import { getAddress, type Hex } from "viem";
import { rewardsDistributorAbi } from "../../chain/abi.js";
import type { CloseEpochInput, StepResult } from "../types.js";
import { awaitTx, notedBlock, type StepContext, type StepDefinition, sendOnce, txKey } from "./context.js";

const input = (ctx: StepContext) => ctx.wf.input as CloseEpochInput;

/**
 * Progress key: a head block the epoch was read unclosed at, so that later reads look for its
 * EpochClosed log only since then rather than walk back to the epoch's first registration
 * (chain/epoch-closure.ts).
 */
export const UNCLOSED_AT = "_unclosed_at";

/** The transaction that closed the epoch, if any; an unclosed answer's block is noted for the next read. */
export async function closingTx(ctx: StepContext): Promise<Hex | undefined> {
  const { studio_address, epoch } = input(ctx);
  const since = notedBlock(ctx, UNCLOSED_AT);
  const found = await ctx.chain.epochClosure(studio_address, epoch, since);
  if (found.closed) return found.txHash;
  ctx.noted[UNCLOSED_AT] = found.unclosedAt;
  return undefined;
}

/** The contract has no closed flag and pays again on a second close: its EpochClosed log is the record. */
async function closedAlready(ctx: StepContext): Promise<StepResult | undefined> {
  const closedBy = await closingTx(ctx);
  if (!closedBy) return undefined;
  const ours = ctx.wf.progress.close_tx_hash === closedBy;
  return {
    kind: "next",
    step: null,
    patch: { close_tx_hash: closedBy, ...(ours ? {} : { already_closed: true }) },
    remove: [UNCLOSED_AT],
  };
}

export const closeSteps: Record<string, StepDefinition> = {
  CHECK_PRECONDITIONS: {
    irreversible: false,
    async execute(ctx) {
      const closed = await closedAlready(ctx);
      if (closed) return closed;
      const { studio_address, epoch, signer_address } = input(ctx);
      const owner = await ctx.chain.rewardsOwner();
      if (owner.toLowerCase() !== signer_address.toLowerCase()) {
        return { kind: "fail", code: "SIGNER_NOT_OWNER", message: `signer ${signer_address} is not the RewardsDistributor owner ${owner}` };
      }
      const work = await ctx.chain.epochWork(studio_address, epoch);
      if (work.length === 0) return { kind: "fail", code: "EPOCH_NOT_FOUND", message: `no work registered for epoch ${epoch}` };
      for (const dataHash of work) {
        if ((await ctx.chain.workValidators(dataHash)).length === 0) {
          // Scores may still be on their way: retry (and stall) rather than fail.
          return { kind: "retry", code: "NO_VALIDATORS", message: `work ${dataHash} has no registered validator`, category: "RECOVERABLE" };
        }
      }
      return {
        kind: "next",
        step: "SUBMIT_CLOSE_EPOCH",
        patch: { epoch_work_count: work.length, preconditions_checked: true, preconditions_checked_at: ctx.clock.now() },
      };
    },
  },

  SUBMIT_CLOSE_EPOCH: {
    irreversible: true,
    async reconcile(ctx) {
      if (await ctx.tx.load(txKey(ctx, "SUBMIT_CLOSE_EPOCH"))) return { kind: "next", step: "AWAIT_TX_CONFIRM" };
      return closedAlready(ctx);
    },
    async execute(ctx) {
      const { studio_address, epoch, signer_address } = input(ctx);
      return sendOnce(
        ctx,
        "SUBMIT_CLOSE_EPOCH",
        signer_address,
        {
          address: ctx.chain.rewardsDistributor,
          abi: rewardsDistributorAbi,
          functionName: "closeEpoch",
          args: [getAddress(studio_address), BigInt(epoch)],
        },
        "CLOSE_TX_REVERTED",
        (hash) => ({ kind: "next", step: "AWAIT_TX_CONFIRM", patch: hash ? { close_tx_hash: hash } : {} }),
        // Under the signer lock, just before signing: the epoch is read again, from the block it was last seen unclosed at.
        async () => !(await closingTx(ctx)),
      );
    },
  },

  AWAIT_TX_CONFIRM: {
    irreversible: true,
    async execute(ctx) {
      const result = await awaitTx(ctx, "SUBMIT_CLOSE_EPOCH", "CLOSE_TX_REVERTED", async (block, hash) => ({
        kind: "next",
        step: null,
        patch: { close_tx_hash: hash, close_confirmed: true, close_block: Number(block), close_confirmed_at: ctx.clock.now() },
        remove: [UNCLOSED_AT],
      }));
      // Nothing of ours was sent because the epoch was closed meanwhile: record who closed it.
      if (result.kind === "next" && result.step === "SUBMIT_CLOSE_EPOCH") return (await closedAlready(ctx)) ?? result;
      return result;
    },
  },
};
