import { MempoolView, VerdictReason } from "@gatehouse/proto/mining/v1";
import { describe, expect, it } from "@jest/globals";
import { mempoolSnapshot, mempoolViewAt } from "../mempool-view.js";
import { PolicyLoadError, parsePolicyToml, policyHash, validatePolicy } from "./policy.js";

describe("policy TOML", () => {
  it("parses a full policy and defaults the rest", () => {
    const p = parsePolicyToml(`
max_tx_count = 10
min_total_fees = 1000
[fee_tiers]
low_mempool_tx = 5
high_mempool_tx = 50
min_avg_fee_high = 7
[class_m]
tolerance_pct = 2.5
`);
    expect(p).toMatchObject({ max_tx_count: 10, min_total_fees: 1000, max_weight_ratio: 0.999, protocol_version: 2 });
    expect(p.fee_tiers).toMatchObject({ low_mempool_tx: 5, high_mempool_tx: 50, min_avg_fee_high: 7, min_avg_fee_low: 0 });
    expect(p.class_m).toEqual({ enabled: true, tolerance_pct: 2.5 });
  });

  it.each([
    ["not toml = = =", /not valid TOML/],
    ["max_tx_count = -1", /max_tx_count/],
    ["max_weight_ratio = 1.5", /max_weight_ratio/],
    ["mystery_key = 1", /mystery_key|Unrecognized/],
    ["[fee_tiers]\nlow_mempool_tx = 10\nhigh_mempool_tx = 5", /low_mempool_tx must not exceed/],
    ['max_template_age_ms = "soon"', /max_template_age_ms/],
  ])("rejects %j with a specific problem", (text, problem) => {
    expect(() => parsePolicyToml(text)).toThrow(PolicyLoadError);
    expect(() => parsePolicyToml(text)).toThrow(problem);
  });

  it("hash is stable across key order and changes with any value", () => {
    const a = validatePolicy({ max_tx_count: 5, min_total_fees: 1 });
    const b = validatePolicy({ min_total_fees: 1, max_tx_count: 5 });
    expect(policyHash(a)).toBe(policyHash(b));
    expect(policyHash(a)).not.toBe(policyHash(validatePolicy({ max_tx_count: 6, min_total_fees: 1 })));
  });
});

describe("reason codes", () => {
  it("are ReserveGrid OS's closed list and Gatehouse's two invariant codes after it, each name its own serialisation", () => {
    const names = Object.values(VerdictReason).filter((v): v is string => typeof v === "string" && v !== "VERDICT_REASON_UNSPECIFIED");
    expect(names).toEqual([
      "ok",
      "avg_fee_below_minimum",
      "total_fees_below_minimum",
      "coinbase_value_zero_rejected",
      "tx_count_exceeded",
      "prev_hash_len_mismatch",
      "invalid_prev_hash",
      "protocol_version_mismatch",
      "empty_template_rejected",
      "policy_load_error",
      "mempool_backend_unavailable",
      "internal_error",
      "weight_ratio_exceeded",
      "template_stale",
      "sigops_budget_warning",
      "coinbase_sigops_abnormal",
      "template_invariant_violated",
      "template_transactions_unknown",
    ]);
    for (const name of names) expect(VerdictReason[VerdictReason[name as keyof typeof VerdictReason]]).toBe(name);
  });
});

describe("15. mempool view state machine", () => {
  const timings = { staleAfterMs: 20_000, degradedAfterMs: 60_000 };
  const poll = { atMs: 1_000_000, txCount: 3, txids: new Set(["a"]) };

  it("Fresh → Stale → Degraded by the age of the last successful poll, degraded before any", () => {
    expect(mempoolViewAt(undefined, 0, timings)).toBe(MempoolView.degraded);
    expect(mempoolViewAt(poll, 1_020_000, timings)).toBe(MempoolView.fresh);
    expect(mempoolViewAt(poll, 1_020_001, timings)).toBe(MempoolView.stale);
    expect(mempoolViewAt(poll, 1_060_000, timings)).toBe(MempoolView.stale);
    expect(mempoolViewAt(poll, 1_060_001, timings)).toBe(MempoolView.degraded);
  });

  it("a degraded snapshot carries no count and no txids (unknown mempool)", () => {
    expect(mempoolSnapshot(poll, 1_060_001, timings)).toEqual({ view: MempoolView.degraded, txCount: undefined, txids: undefined });
    expect(mempoolSnapshot(poll, 1_030_000, timings)).toMatchObject({ view: MempoolView.stale, txCount: 3 });
  });
});
