import { create } from "@bufbuild/protobuf";
import { BlockFoundSchema, BlockStatus, MempoolView, VerdictReason } from "@gatehouse/proto/mining/v1";
import { createLogger } from "@gatehouse/service";
import { encodeAuthorityPublicKey, randomSecretKey, xOnlyPublicKey } from "@gatehouse/sv2";
import { waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { validatePolicy } from "../src/policy/policy.js";
import { type ProposalWithTransactions, verifyProposal } from "../src/policy/verify.js";
import { withTransactions } from "../src/source/proposal.js";
import { Sv2TdpSource } from "../src/source/sv2-tdp.js";
import { FakeTemplateProvider } from "./support/fake-tp.js";
import { mineProposal } from "./support/mine.js";
import { Regtest } from "./support/regtest.js";

const PAYOUT = Uint8Array.from(Buffer.from("0014".padEnd(44, "3c"), "hex"));
const logger = createLogger({ service: "test", instanceId: "t", level: "fatal" });
let node: Regtest;
let tp: FakeTemplateProvider;
let payees: string;

beforeAll(async () => {
  node = await Regtest.start();
  payees = await node.fundWitnessWallet();
  tp = await FakeTemplateProvider.start(node);
}, 60_000);

afterAll(async () => {
  await tp?.stop();
  await node?.stop();
});

function source(authorityPublicKey: string, proposals: ProposalWithTransactions[]) {
  return new Sv2TdpSource({
    host: "127.0.0.1",
    port: tp.port,
    authorityPublicKey,
    sourceInstanceId: "tdp",
    payoutScript: PAYOUT,
    coinbaseOutputMaxAdditionalSize: 64,
    coinbaseOutputMaxAdditionalSigops: 4,
    reconnectDelayMs: 200,
    blockConfirmTimeoutMs: 10_000,
    logger,
    onProposal: (t) => {
      proposals.push(withTransactions(t));
    },
  });
}

describe("SV2 Template Distribution source (libs/sv2 Noise initiator)", () => {
  it("turns NewTemplate + SetNewPrevHash + transaction data into a proposal that passes the full check; a found block goes back as SubmitSolution and is reported in the active chain once the TP announces it as the tip", async () => {
    await node.sendPayments(payees, 3);
    await waitFor(
      async () =>
        (await node.rpc<{ transactions: unknown[] }>("getblocktemplate", [{ rules: ["segwit"] }])).transactions.length >= 3
          ? true
          : undefined,
      {
        timeoutMs: 10_000,
        description: "payments in the node's template",
      },
    );
    const proposals: ProposalWithTransactions[] = [];
    const tdp = source(tp.authorityPublicKey, proposals);
    tdp.start();
    try {
      await waitFor(() => proposals.length > 0, { timeoutMs: 10_000, description: "a proposal from the template provider" });
      expect(tp.constraints).toContainEqual({ size: 64, sigops: 4 });
      const p = proposals[0] as ProposalWithTransactions;
      expect(p.source).toBe("sv2-tdp");
      expect(p.totalFees).toBeUndefined();
      expect(p.totalSigops).toBeUndefined();
      expect(p.txCount).toBeGreaterThanOrEqual(3);
      expect(p.blockHeight).toBe((await node.rpc<number>("getblockcount")) + 1);

      const policy = validatePolicy({ class_m: { enabled: false } });
      const decision = verifyProposal(p, p.transactions, policy, {
        nowMs: Date.now(),
        mempool: { view: MempoolView.degraded, txCount: undefined, txids: undefined },
        halvingInterval: 150,
      });
      expect(decision).toMatchObject({ accepted: true, reason: VerdictReason.ok, fullCheck: true });
      // Unknown TP fees never pass a fee minimum (BIP22 "unknown, not zero").
      expect(
        verifyProposal(p, p.transactions, validatePolicy({ min_total_fees: 1 }), {
          nowMs: Date.now(),
          mempool: { view: MempoolView.degraded, txCount: undefined, txids: undefined },
          halvingInterval: 150,
        }).reason,
      ).toBe(VerdictReason.total_fees_below_minimum);

      // BIP54 preparation: the TP's coinbase lock time and sequence carry over.
      expect(p.coinbaseTxLocktime).toBe(p.blockHeight - 1);
      expect(p.coinbaseTxInputSequence).toBe(0xfffffffe);
      const mined = mineProposal(p);
      const found = (m: ReturnType<typeof mineProposal>) =>
        create(BlockFoundSchema, {
          templateId: p.templateId,
          blockHeight: p.blockHeight,
          version: p.blockVersion,
          ntime: m.time,
          nonce: m.nonce,
          coinbaseTx: m.coinbase,
          blockHash: m.hash,
        });
      const outcome = await tdp.submitBlock(found(mined));
      expect(outcome).toEqual({ status: BlockStatus.ACTIVE_CHAIN, rejectReason: "", nodeAnswer: "none" });
      expect(tp.submissions[0]).toEqual({ hash: mined.hash, answer: null });
      expect(await node.rpc("getbestblockhash")).toBe(mined.hash);
      // Its same-height twin (another nonce on the same template) is valid but never the tip: not accepted.
      const twin = mineProposal(p, { startNonce: mined.nonce + 1 });
      const twinOutcome = await tdp.submitBlock(found(twin));
      expect(twinOutcome.status).toBe(BlockStatus.UNCONFIRMED);
      expect(tp.submissions[1]?.hash).toBe(twin.hash);
      expect(await node.rpc("getbestblockhash")).toBe(mined.hash);
    } finally {
      await tdp.stop();
    }
  });

  it("takes a full block's transaction data in one RequestTransactionData.Success over 1 MiB (the SV2 default frame limit)", async () => {
    const filled = await node.fillMempool(1_600_000);
    expect(filled.bytes).toBeGreaterThanOrEqual(1_600_000);
    const proposals: ProposalWithTransactions[] = [];
    const tdp = source(tp.authorityPublicKey, proposals);
    tdp.start();
    try {
      await waitFor(() => proposals.length > 0, { timeoutMs: 30_000, description: "a proposal from a full template" });
      const p = proposals[0] as ProposalWithTransactions;
      const bytes = p.transactions.reduce((sum, t) => sum + t.data.length, 0);
      expect(bytes).toBeGreaterThan(1024 * 1024);
      expect(p.txCount).toBeGreaterThan(2_000);
      expect(tdp.connectionFailures).toBe(0);
    } finally {
      await tdp.stop();
    }
  }, 180_000);

  it("refuses a Template Provider whose certificate is not signed by the configured authority", async () => {
    const proposals: ProposalWithTransactions[] = [];
    const wrongAuthority = encodeAuthorityPublicKey(xOnlyPublicKey(randomSecretKey()));
    const tdp = source(wrongAuthority, proposals);
    tdp.start();
    try {
      await waitFor(() => tdp.connectionFailures >= 2, { timeoutMs: 10_000, description: "two refused sessions" });
      expect(tdp.lastOkMs).toBe(0);
      expect(proposals).toEqual([]);
    } finally {
      await tdp.stop();
    }
  });
});
