import { create } from "@bufbuild/protobuf";
import {
  type BlockTemplate,
  buildCoinbase,
  fromHex,
  hashToDisplay,
  serializeTransaction,
  type Transaction,
  transactionWeight,
  txid,
  wtxid,
} from "@gatehouse/bitcoin";
import { MempoolView, type TemplateProposal, TemplateProposalSchema, VerdictReason } from "@gatehouse/proto/mining/v1";
import { describe, expect, it } from "@jest/globals";
import { proposalFromTemplate, withTransactions } from "../source/proposal.js";
import { validatePolicy } from "./policy.js";
import { type MempoolSnapshot, type ProposalWithTransactions, verifyProposal } from "./verify.js";

const NOW = 1_800_000_000_000;
const PAYOUT = fromHex("0014".padEnd(44, "cd"));

/** A spend with a witness, so txid ≠ wtxid and the commitment matters. */
function spend(n: number, witness = true): Transaction {
  return {
    version: 2,
    inputs: [{ prevTxid: new Uint8Array(32).fill(n), vout: n, scriptSig: new Uint8Array(0), sequence: 0xfffffffd }],
    outputs: [{ value: BigInt(1_000 + n), scriptPubKey: PAYOUT }],
    witnesses: witness ? [[new Uint8Array(72).fill(n), new Uint8Array(33).fill(2)]] : null,
    locktime: 0,
  };
}

function template(txs: Transaction[], fee = 5_000n): BlockTemplate {
  return {
    version: 0x20000000,
    rules: ["csv", "!segwit"],
    previousBlockHash: "ab".repeat(32),
    transactions: txs.map((tx) => ({
      data: serializeTransaction(tx),
      txid: hashToDisplay(txid(tx)),
      wtxid: hashToDisplay(wtxid(tx)),
      depends: [],
      fee,
      sigops: 4,
      weight: transactionWeight(tx),
    })),
    coinbaseAux: {},
    coinbaseValue: 5_000_000_000n + fee * BigInt(txs.length),
    longPollId: "lp",
    target: "7fffff".padEnd(64, "0"),
    minTime: 1_700_000_000,
    curTime: 1_700_000_100,
    bits: 0x207fffff,
    height: 100,
    mutable: [],
    sigopLimit: 80_000,
    sizeLimit: 4_000_000,
    weightLimit: 4_000_000,
    defaultWitnessCommitment: undefined,
  };
}

function proposal(txs: Transaction[] = [spend(1), spend(2), spend(3)], fee = 5_000n): ProposalWithTransactions {
  const sourced = proposalFromTemplate(template(txs, fee), {
    templateId: 1n,
    source: "test",
    sourceInstanceId: "t",
    payoutScript: PAYOUT,
    createdAtMs: NOW - 100,
  });
  return withTransactions(sourced);
}

const sourced = (t: BlockTemplate, o: Parameters<typeof proposalFromTemplate>[1]) => withTransactions(proposalFromTemplate(t, o));

/** A summary-only proposal (no raw transactions): the policy's declared-value rules. */
function summary(overrides: Partial<Omit<TemplateProposal, "$typeName" | "$unknown">> = {}): ProposalWithTransactions {
  const p = create(TemplateProposalSchema, {
    protocolVersion: 2,
    prevHash: "ab".repeat(32),
    blockHeight: 100,
    blockVersion: 0x20000000,
    txCount: 10,
    coinbaseValue: 5_000_050_000n,
    totalFees: 50_000n,
    templateWeight: 40_000n,
    totalSigops: 40,
    coinbaseSigops: 4,
    createdAtUnixMs: BigInt(NOW - 100),
    ...overrides,
  });
  return { ...p, transactions: [] };
}

const knownMempool = (txCount = 5_000, txids?: string[]): MempoolSnapshot => ({
  view: MempoolView.fresh,
  txCount,
  txids: new Set(txids ?? []),
});
const downMempool: MempoolSnapshot = { view: MempoolView.degraded, txCount: undefined, txids: undefined };

const basePolicy = { class_m: { enabled: false } };
function verify(p: ProposalWithTransactions, policy: Record<string, unknown> = {}, mempool: MempoolSnapshot = knownMempool()) {
  return verifyProposal(p, p.transactions, validatePolicy({ ...basePolicy, ...policy }), { nowMs: NOW, mempool, halvingInterval: 150 });
}

describe("verifier behaviours", () => {
  it("accepts a sound template with a full check, and an empty one with its coinbase checked", () => {
    const d = verify(proposal());
    expect(d).toMatchObject({ accepted: true, reason: VerdictReason.ok, fullCheck: true, detail: "" });
    expect(verify(proposal([]), { reject_empty_templates: false })).toMatchObject({ accepted: true, fullCheck: true });
    const badHeight = proposal([]);
    badHeight.blockHeight = 7;
    expect(verify(badHeight, { reject_empty_templates: false }).detail).toMatch(/bip34_height/);
  });

  it("1. protocol version first, then prev_hash length before hex", () => {
    expect(verify(summary({ protocolVersion: 1, prevHash: "x" })).reason).toBe(VerdictReason.protocol_version_mismatch);
    expect(verify(summary({ prevHash: "ab".repeat(31) })).reason).toBe(VerdictReason.prev_hash_len_mismatch);
    expect(verify(summary({ prevHash: "zz".repeat(31) })).reason).toBe(VerdictReason.prev_hash_len_mismatch);
    expect(verify(summary({ prevHash: `${"ab".repeat(31)}ag` })).reason).toBe(VerdictReason.invalid_prev_hash);
  });

  it("2. empty template rejected only with reject_empty_templates", () => {
    const empty = summary({ txCount: 0, totalFees: 0n, templateWeight: 0n, coinbaseValue: 5_000_000_000n });
    expect(verify(empty, { reject_empty_templates: true }).reason).toBe(VerdictReason.empty_template_rejected);
    expect(verify(empty, { reject_empty_templates: false }).accepted).toBe(true);
  });

  it("3. zero coinbase value with transactions is its own code; with none the empty rule decides", () => {
    expect(verify(summary({ coinbaseValue: 0n })).reason).toBe(VerdictReason.coinbase_value_zero_rejected);
    expect(verify(summary({ coinbaseValue: 0n }), { reject_coinbase_zero: false }).accepted).toBe(true);
    const emptyZero = summary({ txCount: 0, coinbaseValue: 0n, totalFees: 0n, templateWeight: 0n });
    expect(verify(emptyZero, { reject_empty_templates: true }).reason).toBe(VerdictReason.empty_template_rejected);
    expect(verify(emptyZero, { reject_empty_templates: false }).accepted).toBe(true);
  });

  it("4. tx_count = max accepted, max + 1 rejected", () => {
    expect(verify(summary({ txCount: 10 }), { max_tx_count: 10 }).accepted).toBe(true);
    expect(verify(summary({ txCount: 11 }), { max_tx_count: 10 }).reason).toBe(VerdictReason.tx_count_exceeded);
  });

  it("5. total fees one below the minimum rejected, equal passes", () => {
    expect(verify(summary({ totalFees: 49_999n }), { min_total_fees: 50_000 }).reason).toBe(VerdictReason.total_fees_below_minimum);
    expect(verify(summary({ totalFees: 50_000n }), { min_total_fees: 50_000 }).accepted).toBe(true);
  });

  it("6. the average fee is a ceiling: 15001/3 ≥ 5001 passes, 15000/3 fails", () => {
    const tiers = { fee_tiers: { min_avg_fee_low: 5_001, min_avg_fee_mid: 5_001, min_avg_fee_high: 5_001 } };
    expect(verify(summary({ txCount: 3, totalFees: 15_001n }), tiers).accepted).toBe(true);
    const d = verify(summary({ txCount: 3, totalFees: 15_000n }), tiers);
    expect(d.reason).toBe(VerdictReason.avg_fee_below_minimum);
    expect(d.minAvgFeeUsed).toBe(5_001);
  });

  it("7. fee tier from the mempool count; backend down → high or mid per unknown_mempool_as_high", () => {
    const tiers = {
      fee_tiers: { low_mempool_tx: 100, high_mempool_tx: 1_000, min_avg_fee_low: 1, min_avg_fee_mid: 2, min_avg_fee_high: 3 },
    };
    expect(verify(summary(), tiers, knownMempool(99))).toMatchObject({ feeTier: "low", minAvgFeeUsed: 1 });
    expect(verify(summary(), tiers, knownMempool(100))).toMatchObject({ feeTier: "mid", minAvgFeeUsed: 2 });
    expect(verify(summary(), tiers, knownMempool(999))).toMatchObject({ feeTier: "mid" });
    expect(verify(summary(), tiers, knownMempool(1_000))).toMatchObject({ feeTier: "high", minAvgFeeUsed: 3 });
    expect(verify(summary(), { ...tiers, unknown_mempool_as_high: true }, downMempool)).toMatchObject({ feeTier: "high" });
    expect(verify(summary(), { ...tiers, unknown_mempool_as_high: false }, downMempool)).toMatchObject({ feeTier: "mid" });
  });

  it("8. weight ratio 0.999 boundary, warning when not enforced, consensus limit always", () => {
    expect(verify(summary({ templateWeight: 3_996_000n })).accepted).toBe(true);
    expect(verify(summary({ templateWeight: 3_996_001n })).reason).toBe(VerdictReason.weight_ratio_exceeded);
    const warned = verify(summary({ templateWeight: 3_996_001n }), { enforce_weight_ratio: false });
    expect(warned.accepted).toBe(true);
    expect(warned.warnings).toContain(VerdictReason.weight_ratio_exceeded);
    expect(verify(summary({ templateWeight: 4_000_001n }), { enforce_weight_ratio: false, max_weight_ratio: 1 }).reason).toBe(
      VerdictReason.weight_ratio_exceeded,
    );
  });

  it("9. sigops: over 80,000 rejected, over 95% warned; coinbase sigops over 400 warned", () => {
    expect(verify(summary({ totalSigops: 80_001 })).reason).toBe(VerdictReason.sigops_budget_warning);
    const near = verify(summary({ totalSigops: 76_001 }));
    expect(near.accepted).toBe(true);
    expect(near.warnings).toEqual([VerdictReason.sigops_budget_warning]);
    expect(verify(summary({ totalSigops: 76_000 })).warnings).toEqual([]);
    const cb = verify(summary({ coinbaseSigops: 401 }));
    expect(cb.accepted).toBe(true);
    expect(cb.warnings).toEqual([VerdictReason.coinbase_sigops_abnormal]);
    expect(verify(summary({ coinbaseSigops: 400 })).warnings).toEqual([]);
  });

  it("10. staleness: older than max_template_age_ms rejected when enforced, warned otherwise, skipped without created_at", () => {
    expect(verify(summary({ createdAtUnixMs: BigInt(NOW - 5_000) }), { max_template_age_ms: 5_000 }).accepted).toBe(true);
    expect(verify(summary({ createdAtUnixMs: BigInt(NOW - 5_001) }), { max_template_age_ms: 5_000 }).reason).toBe(
      VerdictReason.template_stale,
    );
    const warned = verify(summary({ createdAtUnixMs: BigInt(NOW - 5_001) }), { max_template_age_ms: 5_000, enforce_template_age: false });
    expect(warned).toMatchObject({ accepted: true, warnings: [VerdictReason.template_stale] });
    expect(verify(summary({ createdAtUnixMs: 0n }), { max_template_age_ms: 1 }).accepted).toBe(true);
  });

  it("11. the first failing rule wins and the verdict carries exactly one reason", () => {
    const many = summary({ txCount: 11, totalFees: 0n, templateWeight: 4_000_001n, createdAtUnixMs: 1n });
    const d = verify(many, { max_tx_count: 10, min_total_fees: 1 });
    expect(d.reason).toBe(VerdictReason.tx_count_exceeded);
    expect(verify(summary({ totalFees: 0n, templateWeight: 4_000_001n }), { min_total_fees: 1 }).reason).toBe(
      VerdictReason.total_fees_below_minimum,
    );
  });

  it("12. unknown fees and weight never pass a check that needs them (fail closed)", () => {
    expect(verify(summary({ totalFees: undefined }), { min_total_fees: 1 }).reason).toBe(VerdictReason.total_fees_below_minimum);
    expect(
      verify(summary({ totalFees: undefined }), { fee_tiers: { min_avg_fee_high: 1, min_avg_fee_mid: 1, min_avg_fee_low: 1 } }).reason,
    ).toBe(VerdictReason.avg_fee_below_minimum);
    expect(verify(summary({ totalFees: undefined })).accepted).toBe(true);
    expect(verify(summary({ templateWeight: undefined })).reason).toBe(VerdictReason.weight_ratio_exceeded);
    expect(verify(summary({ templateWeight: undefined }), { enforce_weight_ratio: false }).warnings).toContain(
      VerdictReason.weight_ratio_exceeded,
    );
    expect(verify(summary({ totalSigops: undefined })).warnings).toContain(VerdictReason.sigops_budget_warning);
  });

  it("12b. with raw transactions an unknown weight is derived instead", () => {
    const p = proposal();
    const declared = p.templateWeight;
    p.templateWeight = undefined;
    expect(verify(p)).toMatchObject({ accepted: true, fullCheck: true });
    expect(declared).toBeDefined();
  });
});

describe("13. full re-derivation from raw transactions", () => {
  const rejectedFor = (p: ProposalWithTransactions) => {
    const d = verify(p);
    expect(d.accepted).toBe(false);
    expect(d.fullCheck).toBe(true);
    if (!/^invariant (block_weight|block_sigops):/.test(d.detail)) expect(d.reason).toBe(VerdictReason.template_invariant_violated);
    return d.detail;
  };

  it("merkle path recomputed from txids (odd levels duplicate)", () => {
    const p = proposal([spend(1), spend(2), spend(3), spend(4), spend(5)]);
    expect(verify(p).accepted).toBe(true);
    [p.merklePath[0], p.merklePath[1]] = [p.merklePath[1] as Uint8Array, p.merklePath[0] as Uint8Array];
    expect(rejectedFor(p)).toMatch(/invariant merkle_path/);
  });

  it("witness commitment over wtxids; missing when transactions carry witnesses", () => {
    const p = proposal();
    const tampered = Uint8Array.from(p.coinbaseTxOutputs);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    p.coinbaseTxOutputs = tampered;
    expect(rejectedFor(p)).toMatch(/invariant witness_commitment: .*does not match/);

    const noCommitment = proposal();
    const payoutOnly = sourced(
      { ...template([spend(1)]), rules: [], defaultWitnessCommitment: undefined },
      {
        templateId: 1n,
        source: "t",
        sourceInstanceId: "t",
        payoutScript: PAYOUT,
        createdAtMs: NOW,
      },
    );
    expect(payoutOnly.coinbaseTxOutputsCount).toBe(1);
    expect(rejectedFor(payoutOnly)).toMatch(/no witness commitment/);
    expect(verify(noCommitment).accepted).toBe(true);
  });

  it("no witness transactions need no commitment", () => {
    const legacy = sourced(
      { ...template([spend(1, false)]), rules: [] },
      {
        templateId: 1n,
        source: "t",
        sourceInstanceId: "t",
        payoutScript: PAYOUT,
        createdAtMs: NOW,
      },
    );
    expect(verify(legacy).accepted).toBe(true);
  });

  it("BIP34 height push must equal the block height", () => {
    const p = proposal();
    p.blockHeight = 101;
    expect(rejectedFor(p)).toMatch(/invariant bip34_height/);
  });

  it("coinbase value ≤ subsidy + fees, outputs ≤ coinbase value", () => {
    const p = proposal();
    p.coinbaseValue += 1n;
    p.coinbaseTxValueRemaining += 1n;
    expect(rejectedFor(p)).toMatch(/invariant coinbase_value: .*subsidy \+ fees/);
    const q = proposal();
    q.coinbaseValue -= 1n;
    expect(rejectedFor(q)).toMatch(/invariant coinbase_value: coinbase outputs pay/);
  });

  it("duplicate txids, undecodable data, txid mismatch, tx_count mismatch, declared weight mismatch", () => {
    const dup = proposal([spend(1), spend(1)]);
    expect(rejectedFor(dup)).toMatch(/invariant duplicate_txid/);
    const bad = proposal();
    (bad.transactions[0] as { data: Uint8Array }).data = Uint8Array.of(1, 2, 3);
    expect(rejectedFor(bad)).toMatch(/invariant decode/);
    const wrongId = proposal();
    (wrongId.transactions[1] as { txid: string }).txid = "00".repeat(32);
    expect(rejectedFor(wrongId)).toMatch(/invariant txid/);
    const count = proposal();
    count.txCount = 4;
    expect(rejectedFor(count)).toMatch(/invariant tx_count/);
    const weight = proposal();
    weight.templateWeight = (weight.templateWeight ?? 0n) + 1n;
    expect(rejectedFor(weight)).toMatch(/invariant template_weight/);
  });

  it("a declared sigop cost below the scripts' legacy count ×4 is rejected; a block's worth of counted sigops is over budget", () => {
    const checksig = spend(1);
    checksig.outputs = [{ value: 1_000n, scriptPubKey: Uint8Array.of(0x51, 0xac) }];
    const ok = proposal([checksig]);
    expect(verify(ok).accepted).toBe(true);
    const p = proposal([checksig]);
    (p.transactions[0] as { sigops?: number }).sigops = 3;
    expect(rejectedFor(p)).toMatch(/invariant tx_sigops: transaction 0: declared sigop cost 3 < 4/);

    // 20,001 CHECKSIGs in one output: 80,004 sigop cost counted from the scripts alone.
    const heavy = spend(9, false);
    heavy.outputs = [{ value: 1n, scriptPubKey: new Uint8Array(20_001).fill(0xac) }];
    const q = proposal([heavy]);
    q.totalSigops = undefined;
    (q.transactions[0] as { sigops?: number }).sigops = undefined;
    const d = verify(q);
    expect(d.reason).toBe(VerdictReason.sigops_budget_warning);
    expect(d.detail).toMatch(/invariant block_sigops/);
  });

  it("a coinbase-like input in a non-coinbase transaction is rejected", () => {
    const cbLike = buildCoinbase({ height: 5, scriptSigSuffix: Uint8Array.of(1), outputs: [{ value: 1n, scriptPubKey: PAYOUT }] });
    expect(rejectedFor(proposal([spend(1), cbLike]))).toMatch(/invariant null_prevout/);
  });
});

describe("Class M: template txids against the mempool snapshot", () => {
  const p = proposal([spend(1), spend(2), spend(3), spend(4), spend(5)]);
  const ids = p.transactions.map((t) => t.txid);
  const classM = { class_m: { enabled: true, tolerance_pct: 20 } };

  it("passes at the tolerance, rejects above it with sample txids", () => {
    expect(verify(p, classM, knownMempool(100, ids.slice(1))).accepted).toBe(true);
    const d = verify(p, classM, knownMempool(100, ids.slice(2)));
    expect(d.reason).toBe(VerdictReason.template_transactions_unknown);
    expect(d.detail).toContain(ids[0]);
  });

  it("a degraded view skips the check and says so", () => {
    const d = verify(p, classM, downMempool);
    expect(d).toMatchObject({ accepted: true, classMSkipped: true });
  });
});

describe("malformed material", () => {
  it("a bad witness reserved value is reported as an invariant, not thrown", () => {
    const p = proposal();
    p.coinbaseWitnessReservedValue = new Uint8Array(5);
    const d = verify(p);
    expect(d.reason).toBe(VerdictReason.template_invariant_violated);
    expect(d.detail).toMatch(/witness reserved value/);
  });

  it("an exception inside a rule becomes internal_error", () => {
    const p = summary();
    p.prevHash = undefined as unknown as string;
    expect(verify(p)).toMatchObject({ accepted: false, reason: VerdictReason.internal_error });
  });
});
