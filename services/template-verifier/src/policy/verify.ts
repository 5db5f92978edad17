import { DEFAULT_COINBASE_OUTPUT_MAX_ADDITIONAL_SIGOPS, MAX_BLOCK_SIGOPS_COST, MAX_BLOCK_WEIGHT } from "@gatehouse/bitcoin";
import { MempoolView, type TemplateProposal, type TemplateTransaction, VerdictReason } from "@gatehouse/proto/mining/v1";
import { isFailure, rederive } from "./invariants.js";
import { type FeeTier, feeTierFor, minAvgFeeFor, type Policy } from "./policy.js";

/** Sigop cost above this share of the block budget is a warning. */
export const SIGOPS_WARNING_RATIO = 0.95;

/** A proposal beside the transactions its `transactions_ref` names (tests and template sources). */
export type ProposalWithTransactions = TemplateProposal & { readonly transactions: readonly TemplateTransaction[] };

/** What the verifier knows of the mempool when it decides. */
export interface MempoolSnapshot {
  view: MempoolView;
  /** Transaction count, undefined when the backend is unavailable. */
  txCount: number | undefined;
  /** Display-hex txids of the last successful poll, for the Class M check. */
  txids: ReadonlySet<string> | undefined;
}

export interface VerifyEnv {
  nowMs: number;
  mempool: MempoolSnapshot;
  halvingInterval: number;
}

export interface Decision {
  accepted: boolean;
  reason: VerdictReason;
  detail: string;
  warnings: VerdictReason[];
  feeTier: FeeTier;
  minAvgFeeUsed: number;
  fullCheck: boolean;
  /** The Class M check was skipped because the mempool view is degraded. */
  classMSkipped: boolean;
}

const HEX = /^[0-9a-fA-F]*$/;

class Rejection {
  constructor(
    readonly reason: VerdictReason,
    readonly detail: string,
  ) {}
}

/**
 * Decides one proposal (ReserveGrid OS policy.rs order): the rules in order, first failure wins, exactly one reason.
 * Unknown fees/weight (BIP22/145) never pass a check that needs them: they fail closed.
 * `transactions` are those its `transactions_ref` names (read from the object store), or none: then only
 * the declared summary is checked. They come apart from the proposal so that the decoded message is
 * checked as it is, not copied. Pure: the clock and the mempool view come in `env`.
 */
export function verifyProposal(
  p: TemplateProposal,
  transactions: readonly TemplateTransaction[],
  policy: Policy,
  env: VerifyEnv,
): Decision {
  const mempoolCount = env.mempool.view === MempoolView.degraded ? undefined : env.mempool.txCount;
  const feeTier = feeTierFor(policy, mempoolCount);
  const minAvgFeeUsed = minAvgFeeFor(policy, feeTier);
  const warnings: VerdictReason[] = [];
  let fullCheck = false;
  let classMSkipped = false;
  const decide = (accepted: boolean, reason: VerdictReason, detail: string): Decision => ({
    accepted,
    reason,
    detail,
    warnings,
    feeTier,
    minAvgFeeUsed,
    fullCheck,
    classMSkipped,
  });

  const check = (): Rejection | undefined => {
    if (p.protocolVersion !== policy.protocol_version) {
      return new Rejection(
        VerdictReason.protocol_version_mismatch,
        `protocol_version ${p.protocolVersion}, expected ${policy.protocol_version}`,
      );
    }
    if (p.prevHash.length !== policy.required_prevhash_len) {
      return new Rejection(
        VerdictReason.prev_hash_len_mismatch,
        `prev_hash has ${p.prevHash.length} characters, expected ${policy.required_prevhash_len}`,
      );
    }
    if (!HEX.test(p.prevHash)) return new Rejection(VerdictReason.invalid_prev_hash, "prev_hash is not hex");
    if (policy.reject_empty_templates && p.txCount === 0)
      return new Rejection(VerdictReason.empty_template_rejected, "template has no transactions");
    if (policy.reject_coinbase_zero && p.coinbaseValue === 0n && p.txCount > 0) {
      return new Rejection(VerdictReason.coinbase_value_zero_rejected, `coinbase value is 0 with ${p.txCount} transactions`);
    }
    if (p.txCount > policy.max_tx_count)
      return new Rejection(VerdictReason.tx_count_exceeded, `${p.txCount} transactions > max_tx_count ${policy.max_tx_count}`);

    const minTotal = BigInt(policy.min_total_fees);
    if (p.totalFees === undefined) {
      if (minTotal > 0n)
        return new Rejection(VerdictReason.total_fees_below_minimum, "total fees unknown (absent GBT fee); failing closed");
    } else if (p.totalFees < minTotal) {
      return new Rejection(VerdictReason.total_fees_below_minimum, `total fees ${p.totalFees} < ${minTotal}`);
    }
    if (p.txCount > 0 && minAvgFeeUsed > 0) {
      if (p.totalFees === undefined)
        return new Rejection(VerdictReason.avg_fee_below_minimum, "fees unknown (absent GBT fee); failing closed");
      const count = BigInt(p.txCount);
      const avg = (p.totalFees + count - 1n) / count;
      if (avg < BigInt(minAvgFeeUsed)) {
        return new Rejection(VerdictReason.avg_fee_below_minimum, `average fee ${avg} sat/tx < ${minAvgFeeUsed} (${feeTier} tier)`);
      }
    }

    // Raw material present (transactions, or an empty template's coinbase outputs): re-derive.
    // It also supplies the weight when the source did not declare it.
    const fullData = transactions.length > 0 || (p.txCount === 0 && p.coinbaseTxOutputsCount > 0);
    let derivedWeight: number | undefined;
    let derivedTxids: string[] | undefined;
    if (fullData) {
      fullCheck = true;
      const derived = rederive(p, transactions, env.halvingInterval);
      if (isFailure(derived)) {
        const reason =
          derived.invariant === "block_weight"
            ? VerdictReason.weight_ratio_exceeded
            : derived.invariant === "block_sigops"
              ? VerdictReason.sigops_budget_warning
              : VerdictReason.template_invariant_violated;
        return new Rejection(reason, `invariant ${derived.invariant}: ${derived.detail}`);
      }
      derivedWeight = derived.weight;
      derivedTxids = derived.txids;
    }

    const weight = p.templateWeight !== undefined ? Number(p.templateWeight) : derivedWeight;
    if (weight === undefined) {
      if (policy.enforce_weight_ratio)
        return new Rejection(VerdictReason.weight_ratio_exceeded, "template weight unknown (absent GBT weight); failing closed");
      warnings.push(VerdictReason.weight_ratio_exceeded);
    } else if (weight > MAX_BLOCK_WEIGHT) {
      return new Rejection(VerdictReason.weight_ratio_exceeded, `weight ${weight} > consensus limit ${MAX_BLOCK_WEIGHT}`);
    } else if (weight / MAX_BLOCK_WEIGHT > policy.max_weight_ratio) {
      if (policy.enforce_weight_ratio) {
        return new Rejection(VerdictReason.weight_ratio_exceeded, `weight ratio ${weight / MAX_BLOCK_WEIGHT} > ${policy.max_weight_ratio}`);
      }
      warnings.push(VerdictReason.weight_ratio_exceeded);
    }

    if (p.createdAtUnixMs > 0n) {
      const age = env.nowMs - Number(p.createdAtUnixMs);
      if (age > policy.max_template_age_ms) {
        if (policy.enforce_template_age)
          return new Rejection(VerdictReason.template_stale, `template is ${age} ms old > ${policy.max_template_age_ms}`);
        warnings.push(VerdictReason.template_stale);
      }
    }

    if (p.totalSigops === undefined) {
      warnings.push(VerdictReason.sigops_budget_warning);
    } else if (p.totalSigops > MAX_BLOCK_SIGOPS_COST) {
      return new Rejection(VerdictReason.sigops_budget_warning, `sigop cost ${p.totalSigops} > consensus limit ${MAX_BLOCK_SIGOPS_COST}`);
    } else if (p.totalSigops > SIGOPS_WARNING_RATIO * MAX_BLOCK_SIGOPS_COST) {
      warnings.push(VerdictReason.sigops_budget_warning);
    }
    if (p.coinbaseSigops !== undefined && p.coinbaseSigops > DEFAULT_COINBASE_OUTPUT_MAX_ADDITIONAL_SIGOPS) {
      warnings.push(VerdictReason.coinbase_sigops_abnormal);
    }

    if (policy.class_m.enabled && p.txCount > 0) {
      const txids = derivedTxids ?? transactions.map((t) => t.txid.toLowerCase());
      if (env.mempool.view === MempoolView.degraded || env.mempool.txids === undefined) {
        classMSkipped = true;
      } else if (txids.length > 0) {
        const known = env.mempool.txids;
        const unknown = txids.filter((id) => !known.has(id));
        const pct = (unknown.length / txids.length) * 100;
        if (pct > policy.class_m.tolerance_pct) {
          return new Rejection(
            VerdictReason.template_transactions_unknown,
            `class_m: ${unknown.length}/${txids.length} template transactions unknown to the mempool view (${pct.toFixed(2)}% > ${policy.class_m.tolerance_pct}%); e.g. ${unknown.slice(0, 10).join(",")}`,
          );
        }
      }
    }
    return undefined;
  };

  try {
    const rejection = check();
    return rejection ? decide(false, rejection.reason, rejection.detail) : decide(true, VerdictReason.ok, "");
  } catch (err) {
    return decide(false, VerdictReason.internal_error, `verifier error: ${(err as Error).message}`);
  }
}
