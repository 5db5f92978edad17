import { create } from "@bufbuild/protobuf";
import { MempoolView, TemplateProposalSchema, VerdictReason } from "@gatehouse/proto/mining/v1";
import { Metrics } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { PolicyStore } from "./policy/store.js";
import { Verifier } from "./verifier.js";

const proposal = create(TemplateProposalSchema, {
  templateId: 7n,
  sourceInstanceId: "tv-a",
  protocolVersion: 2,
  blockHeight: 900_000,
  prevHash: "ab".repeat(32),
  txCount: 3_000,
  coinbaseValue: 327_500_000n,
  totalFees: 15_000_000n,
  templateWeight: 3_990_000n,
  totalSigops: 12_000,
});

async function verifier(mempoolTxCount: () => number | undefined) {
  const policies = new PolicyStore("");
  await policies.load();
  const v = new Verifier({
    policies,
    mempool: () => {
      const txCount = mempoolTxCount();
      return { view: txCount === undefined ? MempoolView.degraded : MempoolView.fresh, txCount, txids: undefined };
    },
    halvingInterval: 210_000,
    instanceId: "verifier-1",
    metrics: new Metrics("template-verifier-test"),
    now: () => 1_700_000_000_000,
  });
  return { v, policies };
}

describe("Verifier", () => {
  it("answers with the proposal's identity, the decision and the policy in force, also after the policy changes", async () => {
    let mempool: number | undefined = 10;
    const { v, policies } = await verifier(() => mempool);
    const first = v.decide(proposal, []);
    expect(first).toMatchObject({
      templateId: 7n,
      sourceInstanceId: "tv-a",
      prevHash: "ab".repeat(32),
      blockHeight: 900_000,
      verifierInstanceId: "verifier-1",
      decidedAtUnixMs: 1_700_000_000_000n,
      mempoolView: MempoolView.fresh,
      accepted: true,
      reasonCode: VerdictReason.ok,
    });
    expect(first.policyContext).toMatchObject({ feeTier: "low", policyHash: policies.current?.hash });
    mempool = undefined;
    expect(v.decide(proposal, []).policyContext?.feeTier).toBe(policies.current?.policy.unknown_mempool_as_high ? "high" : "mid");

    const reloaded = policies.set("min_total_fees = 1\nmax_template_age_ms = 1234\n", "test");
    expect(reloaded.hash).not.toBe(first.policyContext?.policyHash);
    const after = v.decide(proposal, []).policyContext;
    expect(after).toMatchObject({ policyHash: reloaded.hash, minTotalFeesUsed: 1n, maxTemplateAgeMs: 1234n });
  });
});
