import { createHash } from "node:crypto";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";

/** The contract version of TemplateProposal this verifier speaks (ReserveGrid OS's PROTOCOL_VERSION). */
export const PROPOSAL_PROTOCOL_VERSION = 2;

const feeTiers = z
  .strictObject({
    /** Mempool transaction count below which the "low" tier applies. */
    low_mempool_tx: z.number().int().min(0).default(1_000),
    /** Count at or above which the "high" tier applies; between the two, "mid". */
    high_mempool_tx: z.number().int().min(0).default(10_000),
    /** Minimum ceil(total_fees / tx_count) in satoshis per transaction for each tier. */
    min_avg_fee_low: z.number().int().min(0).default(0),
    min_avg_fee_mid: z.number().int().min(0).default(0),
    min_avg_fee_high: z.number().int().min(0).default(0),
  })
  .prefault({})
  .refine((t) => t.low_mempool_tx <= t.high_mempool_tx, { message: "low_mempool_tx must not exceed high_mempool_tx" });

const classM = z
  .strictObject({
    /** Compare template txids with the mempool snapshot ("Class M"). */
    enabled: z.boolean().default(true),
    /** Reject when more than this percentage of the template's transactions are unknown to the mempool view. */
    tolerance_pct: z.number().min(0).max(100).default(4),
  })
  .prefault({});

export const policySchema = z.strictObject({
  protocol_version: z.number().int().min(0).default(PROPOSAL_PROTOCOL_VERSION),
  required_prevhash_len: z.number().int().positive().default(64),
  reject_empty_templates: z.boolean().default(true),
  reject_coinbase_zero: z.boolean().default(true),
  max_tx_count: z.number().int().min(0).default(50_000),
  /** Satoshis. */
  min_total_fees: z.number().int().min(0).default(0),
  unknown_mempool_as_high: z.boolean().default(true),
  /** template_weight / 4,000,000 above this is weight_ratio_exceeded. */
  max_weight_ratio: z.number().gt(0).max(1).default(0.999),
  enforce_weight_ratio: z.boolean().default(true),
  max_template_age_ms: z.number().int().positive().default(5_000),
  enforce_template_age: z.boolean().default(true),
  fee_tiers: feeTiers,
  class_m: classM,
});

export type Policy = z.output<typeof policySchema>;
export type FeeTier = "low" | "mid" | "high";

export class PolicyLoadError extends Error {
  override readonly name = "PolicyLoadError";
  constructor(readonly problems: string[]) {
    super(`policy is invalid: ${problems.join("; ")}`);
  }
}

/** Validates a policy object (from TOML or gRPC); unknown keys are errors. */
export function validatePolicy(input: unknown): Policy {
  const result = policySchema.safeParse(input);
  if (!result.success) {
    throw new PolicyLoadError(result.error.issues.map((issue) => `${issue.path.join(".") || "(policy)"}: ${issue.message}`));
  }
  return result.data;
}

export function parsePolicyToml(text: string): Policy {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    throw new PolicyLoadError([`not valid TOML: ${(err as Error).message.split("\n")[0]}`]);
  }
  return validatePolicy(raw);
}

/** Content hash of the policy in force (key order independent), echoed in verdicts and heartbeats. */
export function policyHash(policy: Policy): string {
  return createHash("sha256").update(canonicalJson(policy)).digest("hex").slice(0, 16);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The tier for a mempool of `txCount` transactions, or for an unknown mempool. */
export function feeTierFor(policy: Policy, txCount: number | undefined): FeeTier {
  if (txCount === undefined) return policy.unknown_mempool_as_high ? "high" : "mid";
  if (txCount < policy.fee_tiers.low_mempool_tx) return "low";
  if (txCount < policy.fee_tiers.high_mempool_tx) return "mid";
  return "high";
}

export function minAvgFeeFor(policy: Policy, tier: FeeTier): number {
  return policy.fee_tiers[`min_avg_fee_${tier}`];
}
