import type { Clock } from "@gatehouse/service";
import type { Address, Hex } from "viem";
import { type ContractCall, SignerBusyError, TxRevertedError, UnrecordedPendingError } from "../../chain/tx-types.js";
import type { DkgVersion } from "../../dkg/index.js";
import type { EvidenceStore } from "../../evidence/store.js";
import type { ChainReaderPort, TransactionsPort } from "../ports.js";
import type { Progress, StepResult, WorkflowRecord } from "../types.js";

export interface StepContext {
  wf: WorkflowRecord;
  chain: ChainReaderPort;
  tx: TransactionsPort;
  evidence: EvidenceStore;
  /** The RewardsDistributor owner the gateway registers work and validators with. */
  adminSigner: Address;
  dkgVersion: DkgVersion;
  /** Delay between confirmation polls. */
  pollMs: number;
  /** An AWAIT step with no confirmation after this long stalls. */
  confirmTimeoutMs: number;
  /** Evidence must confirm within this window of the confirmation wait starting (a resume starts a new one). */
  evidenceWindowMs: number;
  clock: Clock;
  /** What the step's reads learned along the way (UNCLOSED_AT), committed with its result (`withNoted`). */
  noted: Progress;
}

export interface StepDefinition {
  /** Reconciled against chain state before every execution. */
  irreversible: boolean;
  /**
   * Run again from the stored record after a crash, the step reaches the same result with no
   * second side effect (a pure computation, a read, or a send the transaction store keys and its
   * reconciliation finds): its move to the next step may be committed together with that step's
   * (transitions.ts `mayFold`). Unset for a step whose rerun would act twice (an evidence upload).
   */
  replayable?: boolean;
  /** Chain-state check; a result short-cuts `execute`, undefined lets it run. */
  reconcile?(ctx: StepContext): Promise<StepResult | undefined>;
  execute(ctx: StepContext): Promise<StepResult>;
}

/** Progress key of the current AWAIT step's start; the engine drops it whenever the step changes. */
export const AWAITING_SINCE = "_awaiting_since";

export const txKey = (ctx: StepContext, step: string) => `${ctx.wf.id}:${step}`;

export const dataHashOf = (ctx: StepContext) => (ctx.wf.input as { data_hash: string }).data_hash as Hex;

/** A head block a read noted under `key`: this run's, else the one stored with the progress. */
export const notedBlock = (ctx: StepContext, key: string) => (ctx.noted[key] ?? ctx.wf.progress[key]) as number | undefined;

/** `result` with what the step noted along the way checkpointed too (a result that moves on or waits; its own patch wins). */
export function withNoted(result: StepResult, noted: Progress): StepResult {
  if (Object.keys(noted).length === 0 || (result.kind !== "next" && result.kind !== "wait")) return result;
  return { ...result, patch: { ...noted, ...result.patch } };
}

/** Delay before trying a busy signer again: short, jittered so waiters spread out. */
export const signerBusyDelayMs = () => 20 + Math.floor(Math.random() * 30);

/**
 * Sends one transaction for `step` (at most once: the tx manager keys it by workflow and step;
 * one signed before is re-broadcast, not signed again) and maps the outcome: a revert found by
 * simulation fails the workflow with `revertCode` (the tx manager has asked `stillNeeded` first:
 * an effect that reached the chain meanwhile is `onSent(undefined)`, and the wait finds no
 * transaction and sends the step back to reconcile). Without the signer, a transaction signed
 * before (by a replica that had it) is still followed.
 */
export async function sendOnce(
  ctx: StepContext,
  step: string,
  signer: string,
  call: ContractCall,
  revertCode: string,
  onSent: (hash: Hex | undefined) => StepResult,
  stillNeeded?: () => Promise<boolean>,
): Promise<StepResult> {
  if (!ctx.tx.hasSigner(signer)) {
    const signed = await ctx.tx.load(txKey(ctx, step));
    if (signed) return onSent(signed.hashes[signed.hashes.length - 1]);
    return { kind: "fail", code: "SIGNER_UNAVAILABLE", message: `signer ${signer} is not loaded` };
  }
  try {
    return onSent(await ctx.tx.submit(txKey(ctx, step), signer as Address, call, stillNeeded));
  } catch (err) {
    if (err instanceof SignerBusyError) return { kind: "wait", delayMs: signerBusyDelayMs() };
    // Reconciliation sees what those transactions did once they are mined.
    if (err instanceof UnrecordedPendingError) return { kind: "wait", delayMs: ctx.pollMs };
    if (err instanceof TxRevertedError) {
      const code = err.revert.errorName === "OwnableUnauthorizedAccount" ? "SIGNER_NOT_OWNER" : revertCode;
      return { kind: "fail", code, message: err.revert.reason };
    }
    throw err;
  }
}

/** Polls the transaction sent by `sentBy` until it has the required confirmations. */
export async function awaitTx(
  ctx: StepContext,
  sentBy: string,
  revertCode: string,
  onConfirmed: (block: bigint, hash: Hex) => Promise<StepResult>,
): Promise<StepResult> {
  const status = await ctx.tx.checkAndRebroadcast(txKey(ctx, sentBy));
  switch (status.state) {
    case "none":
      return { kind: "next", step: sentBy };
    case "confirmed":
      return onConfirmed(status.block, status.hash);
    case "reverted":
      return { kind: "fail", code: revertCode, message: status.reason };
    case "pending": {
      const since = Number(ctx.wf.progress[AWAITING_SINCE] ?? 0);
      if (since === 0) return { kind: "wait", delayMs: ctx.pollMs, patch: { [AWAITING_SINCE]: ctx.clock.now() } };
      if (ctx.clock.now() - since > ctx.confirmTimeoutMs) {
        return {
          kind: "stall",
          code: "TX_CONFIRMATION_TIMEOUT",
          message: `no confirmation for ${status.hash} within ${ctx.confirmTimeoutMs} ms`,
        };
      }
      return { kind: "wait", delayMs: ctx.pollMs };
    }
  }
}

export { TxRevertedError };
