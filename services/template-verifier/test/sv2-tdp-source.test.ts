import { create } from "@bufbuild/protobuf";
import { BlockFoundSchema, MempoolView, type TemplateProposal, VerdictReason } from "@gatehouse/proto/mining/v1";
import { createLogger } from "@gatehouse/service";
import { encodeAuthorityPublicKey, randomSecretKey, xOnlyPublicKey } from "@gatehouse/sv2";
import { waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { validatePolicy } from "../src/policy/policy.js";
import { verifyProposal } from "../src/policy/verify.js";
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

function source(authorityPublicKey: string, proposals: TemplateProposal[]) {
  return new Sv2TdpSource({
    host: "127.0.0.1",
    port: tp.port,
    authorityPublicKey,
    sourceInstanceId: "tdp",
    payoutScript: PAYOUT,
    coinbaseOutputMaxAdditionalSize: 64,
    coinbaseOutputMaxAdditionalSigops: 4,
    reconnectDelayMs: 200,
    logger,
    onProposal: (p) => {
      proposals.push(p);
    },
  });
}

describe("SV2 Template Distribution source (libs/sv2 Noise initiator)", () => {
  it("turns NewTemplate + SetNewPrevHash + transaction data into a proposal that passes the full check; a found block goes back as SubmitSolution and bcoin accepts it", async () => {
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
    const proposals: TemplateProposal[] = [];
    const tdp = source(tp.authorityPublicKey, proposals);
    tdp.start();
    try {
      await waitFor(() => proposals.length > 0, { timeoutMs: 10_000, description: "a proposal from the template provider" });
      expect(tp.constraints).toContainEqual({ size: 64, sigops: 4 });
      const p = proposals[0] as TemplateProposal;
      expect(p.source).toBe("sv2-tdp");
      expect(p.totalFees).toBeUndefined();
      expect(p.totalSigops).toBeUndefined();
      expect(p.txCount).toBeGreaterThanOrEqual(3);
      expect(p.blockHeight).toBe((await node.rpc<number>("getblockcount")) + 1);

      const policy = validatePolicy({ class_m: { enabled: false } });
      const decision = verifyProposal(p, policy, {
        nowMs: Date.now(),
        mempool: { view: MempoolView.degraded, txCount: undefined, txids: undefined },
        halvingInterval: 150,
      });
      expect(decision).toMatchObject({ accepted: true, reason: VerdictReason.ok, fullCheck: true });
      // Unknown TP fees never pass a fee minimum (BIP22 "unknown, not zero").
      expect(
        verifyProposal(p, validatePolicy({ min_total_fees: 1 }), {
          nowMs: Date.now(),
          mempool: { view: MempoolView.degraded, txCount: undefined, txids: undefined },
          halvingInterval: 150,
        }).reason,
      ).toBe(VerdictReason.total_fees_below_minimum);

      const mined = mineProposal(p);
      const outcome = await tdp.submitBlock(
        create(BlockFoundSchema, {
          templateId: p.templateId,
          version: p.blockVersion,
          ntime: mined.time,
          nonce: mined.nonce,
          coinbaseTx: mined.coinbase,
          blockHash: mined.hash,
        }),
      );
      expect(outcome.accepted).toBe(false);
      expect(outcome.rejectReason).toMatch(/^inconclusive/);
      await waitFor(() => tp.submissions.length > 0, { timeoutMs: 5_000, description: "the TP received the solution" });
      expect(tp.submissions[0]).toEqual({ hash: mined.hash, answer: null });
      expect(await node.rpc("getbestblockhash")).toBe(mined.hash);
    } finally {
      await tdp.stop();
    }
  });

  it("refuses a Template Provider whose certificate is not signed by the configured authority", async () => {
    const proposals: TemplateProposal[] = [];
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
