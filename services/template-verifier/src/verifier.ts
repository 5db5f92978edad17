import { create } from "@bufbuild/protobuf";
import { createMessage } from "@gatehouse/bus";
import {
  type PolicyContext,
  PolicyContextSchema,
  type TemplateProposal,
  type TemplateTransaction,
  type TemplateVerdict,
  TemplateVerdictSchema,
  VerdictReason,
} from "@gatehouse/proto/mining/v1";
import type { Metrics } from "@gatehouse/service";
import type { FeeTier } from "./policy/policy.js";
import type { LoadedPolicy, PolicyStore } from "./policy/store.js";
import { type MempoolSnapshot, verifyProposal } from "./policy/verify.js";

export interface VerifierDeps {
  policies: PolicyStore;
  mempool: (nowMs: number) => MempoolSnapshot;
  halvingInterval: number;
  instanceId: string;
  metrics: Metrics;
  now?: () => number;
}

/** Decides proposals with the policy in force and counts the outcomes; publishing is the caller's. */
export class Verifier {
  readonly #d: VerifierDeps;
  readonly #now: () => number;
  readonly #verdicts;
  readonly #warnings;
  readonly #classMSkipped;
  readonly #seconds;
  #contextsOf: LoadedPolicy | undefined;
  readonly #contexts = new Map<FeeTier, PolicyContext>();

  constructor(deps: VerifierDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
    this.#verdicts = deps.metrics.counter("verdicts_total", "Verdicts by reason code", ["reason_code", "accepted"]);
    this.#warnings = deps.metrics.counter("verdict_warnings_total", "Non-enforced findings by reason code", ["reason_code"]);
    this.#classMSkipped = deps.metrics.counter("phase2_degraded_total", "Class M checks skipped because the mempool view was degraded");
    this.#seconds = deps.metrics.histogram("verdict_duration_seconds", "Time to decide one proposal");
  }

  /** `transactions`: those the proposal's `transactions_ref` names, or none (summary check only). */
  decide(p: TemplateProposal, transactions: readonly TemplateTransaction[]): TemplateVerdict {
    const started = performance.now();
    const nowMs = this.#now();
    const mempool = this.#d.mempool(nowMs);
    const loaded = this.#d.policies.current;
    // Created once with what every verdict carries, then the decision written into it: no
    // intermediate init objects per proposal (this runs thousands of times a second).
    const verdict = createMessage(TemplateVerdictSchema, {
      templateId: p.templateId,
      sourceInstanceId: p.sourceInstanceId,
      prevHash: p.prevHash,
      blockHeight: p.blockHeight,
      verifierInstanceId: this.#d.instanceId,
      decidedAtUnixMs: BigInt(nowMs),
      mempoolView: mempool.view,
    });
    if (!loaded) {
      verdict.reasonCode = VerdictReason.policy_load_error;
      verdict.reasonDetail = this.#d.policies.lastError || "no policy loaded";
    } else {
      const d = verifyProposal(p, transactions, loaded.policy, { nowMs, mempool, halvingInterval: this.#d.halvingInterval });
      if (d.classMSkipped) this.#classMSkipped.inc();
      verdict.accepted = d.accepted;
      verdict.reasonCode = d.reason;
      verdict.reasonDetail = d.detail;
      verdict.warnings = d.warnings;
      verdict.fullCheck = d.fullCheck;
      verdict.policyContext = this.#policyContext(loaded, d.feeTier, d.minAvgFeeUsed);
    }
    this.#verdicts.inc({ reason_code: VerdictReason[verdict.reasonCode] ?? "unknown", accepted: String(verdict.accepted) });
    for (const w of verdict.warnings) this.#warnings.inc({ reason_code: VerdictReason[w] ?? "unknown" });
    this.#seconds.observe((performance.now() - started) / 1000);
    return verdict;
  }

  /**
   * What a verdict echoes of the policy it was decided under: the same for every verdict of one
   * policy and fee tier, so made once for each (never changed once made; at most one per tier).
   */
  #policyContext(loaded: LoadedPolicy, feeTier: FeeTier, minAvgFeeUsed: number): PolicyContext {
    if (this.#contextsOf !== loaded) {
      this.#contextsOf = loaded;
      this.#contexts.clear();
    }
    let context = this.#contexts.get(feeTier);
    if (!context) {
      const policy = loaded.policy;
      context = create(PolicyContextSchema, {
        feeTier,
        minAvgFeeUsed: BigInt(minAvgFeeUsed),
        minTotalFeesUsed: BigInt(policy.min_total_fees),
        rejectCoinbaseZero: policy.reject_coinbase_zero,
        unknownMempoolAsHigh: policy.unknown_mempool_as_high,
        maxWeightRatio: policy.max_weight_ratio,
        maxTemplateAgeMs: BigInt(policy.max_template_age_ms),
        policyHash: loaded.hash,
      });
      this.#contexts.set(feeTier, context);
    }
    return context;
  }
}
