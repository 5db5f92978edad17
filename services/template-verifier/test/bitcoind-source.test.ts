import { create } from "@bufbuild/protobuf";
import { findWitnessCommitment, parseBlock, parseBlockTemplate, toHex, witnessCommitmentScript } from "@gatehouse/bitcoin";
import { BlockFoundSchema, MempoolView, type TemplateProposal, VerdictReason } from "@gatehouse/proto/mining/v1";
import { createLogger } from "@gatehouse/service";
import { waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { validatePolicy } from "../src/policy/policy.js";
import { verifyProposal } from "../src/policy/verify.js";
import { BitcoindSource } from "../src/source/bitcoind.js";
import { proposalFromTemplate } from "../src/source/proposal.js";
import { JsonRpcClient, RpcError } from "../src/source/rpc-client.js";
import { mineProposal } from "./support/mine.js";
import { Regtest } from "./support/regtest.js";

const PAYOUT = Uint8Array.from(Buffer.from("0014".padEnd(44, "5a"), "hex"));
let node: Regtest;
let rpc: JsonRpcClient;
let payees: string;

beforeAll(async () => {
  node = await Regtest.start();
  rpc = new JsonRpcClient({ url: node.rpcUrl, password: node.apiKey, timeoutMs: 5_000 });
  payees = await node.fundWitnessWallet();
}, 60_000);

afterAll(async () => {
  await node?.stop();
});

function proposalOf(raw: unknown, id = 1n): TemplateProposal {
  return proposalFromTemplate(parseBlockTemplate(raw), {
    templateId: id,
    source: "bitcoind-rpc",
    sourceInstanceId: "t",
    payoutScript: PAYOUT,
    createdAtMs: Date.now(),
  });
}

describe("bitcoind JSON-RPC source against bcoin regtest", () => {
  it("a real template with segwit spends re-derives exactly: merkle path, witness commitment = the node's, BIP34, value", async () => {
    const sent = await node.sendPayments(payees, 6);
    const raw = await waitFor(
      async () => {
        const t = await rpc.call<{ transactions: unknown[] }>("getblocktemplate", [{ rules: ["segwit"] }]);
        return t.transactions.length >= 6 ? t : undefined;
      },
      { timeoutMs: 10_000, description: "template carries the payments" },
    );
    const template = parseBlockTemplate(raw);
    expect(template.transactions.map((t) => t.txid).sort()).toEqual(expect.arrayContaining(sent));
    expect(template.transactions.every((t) => t.txid !== t.wtxid)).toBe(true);
    expect(template.transactions.every((t) => t.fee !== undefined && t.fee > 0n)).toBe(true);

    const p = proposalOf(raw);
    const decision = verifyProposal(p, validatePolicy({ reject_empty_templates: true }), {
      nowMs: Date.now(),
      mempool: { view: MempoolView.fresh, txCount: 6, txids: new Set(template.transactions.map((t) => t.txid)) },
      halvingInterval: 150,
    });
    expect(decision).toMatchObject({ accepted: true, reason: VerdictReason.ok, fullCheck: true });
    // Our commitment over the wtxids is byte for byte the node's default_witness_commitment.
    const outputs = parseBlock(mineProposal(p).block).transactions[0]?.outputs ?? [];
    const commitment = findWitnessCommitment(outputs);
    expect(commitment).not.toBeNull();
    expect(toHex(witnessCommitmentScript(commitment as Uint8Array))).toBe(template.defaultWitnessCommitment);
  });

  it("a block assembled from the proposal is accepted by submitblock, also when submitted again; bad ones come back with the node's reason", async () => {
    const source = new BitcoindSource({
      rpc,
      sourceInstanceId: "t",
      payoutScript: PAYOUT,
      pollIntervalMs: 60_000,
      longPollTimeoutMs: 30_000,
      logger: createLogger({ service: "test", instanceId: "t", level: "fatal" }),
      onProposal: () => {},
    });
    const p = proposalOf(await rpc.call("getblocktemplate", [{ rules: ["segwit"] }]));
    expect(p.txCount).toBeGreaterThan(0);

    const badRoot = mineProposal(p, { merkleRoot: new Uint8Array(32).fill(7) });
    expect(await source.submitBlock(create(BlockFoundSchema, { block: badRoot.block }))).toEqual({
      accepted: false,
      rejectReason: "bad-txnmrklroot",
    });
    const badHeight = mineProposal({ ...p, coinbasePrefix: Uint8Array.of(0x01, 0x7f) } as TemplateProposal);
    expect(await source.submitBlock(create(BlockFoundSchema, { block: badHeight.block }))).toEqual({
      accepted: false,
      rejectReason: "bad-cb-height",
    });

    const good = mineProposal(p);
    expect(await source.submitBlock(create(BlockFoundSchema, { block: good.block }))).toEqual({ accepted: true, rejectReason: "" });
    expect(await rpc.call("getbestblockhash")).toBe(good.hash);
    // Submitted again (a verifier killed before it recorded the first answer): the node already has
    // it, and the first answer stands.
    expect(await source.submitBlock(create(BlockFoundSchema, { block: good.block }))).toEqual({ accepted: true, rejectReason: "" });
    // A block the node only holds as an orphan is still not accepted the second time.
    const orphan = mineProposal({ ...p, prevHash: "11".repeat(32) } as TemplateProposal);
    expect(await source.submitBlock(create(BlockFoundSchema, { block: orphan.block }))).toEqual({
      accepted: false,
      rejectReason: "bad-prevblk",
    });
    expect(await source.submitBlock(create(BlockFoundSchema, { block: orphan.block }))).toEqual({
      accepted: false,
      rejectReason: "duplicate",
    });
    const mempool = await source.pollMempool();
    expect(mempool.txCount).toBe(0);
  });

  it("publishes a proposal per new template via long-poll, and a new block wakes it", async () => {
    const proposals: TemplateProposal[] = [];
    const source = new BitcoindSource({
      rpc,
      sourceInstanceId: "lp",
      payoutScript: PAYOUT,
      pollIntervalMs: 60_000,
      longPollTimeoutMs: 30_000,
      logger: createLogger({ service: "test", instanceId: "t", level: "fatal" }),
      onProposal: (p) => {
        proposals.push(p);
      },
    });
    source.start();
    try {
      await waitFor(() => proposals.length === 1, { timeoutMs: 5_000, description: "first proposal" });
      const height = proposals[0]?.blockHeight ?? 0;
      await node.rpc("generatetoaddress", [1, payees]);
      await waitFor(() => proposals.some((p) => p.blockHeight === height + 1), {
        timeoutMs: 5_000,
        description: "proposal for the new tip",
      });
      const ids = proposals.map((p) => p.templateId);
      expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
      expect(source.lastOkMs).toBeGreaterThan(0);
    } finally {
      await source.stop();
    }
  });

  it("transport and auth failures are typed RpcErrors without the credentials", async () => {
    const wrong = new JsonRpcClient({ url: node.rpcUrl, password: "wrong-secret", timeoutMs: 2_000 });
    const err = await wrong.call("getbestblockhash").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).kind).toBe("http");
    expect((err as Error).message).not.toContain("wrong-secret");
    const down = new JsonRpcClient({ url: "http://user:pw-secret@127.0.0.1:1/", timeoutMs: 1_000 });
    const downErr = await down.call("getbestblockhash").catch((e: unknown) => e);
    expect((downErr as RpcError).kind).toBe("transport");
    expect(down.endpoint).not.toContain("pw-secret");
    const unknown = await rpc.call("nosuchmethod").catch((e: unknown) => e);
    expect((unknown as RpcError).kind).toBe("rpc");
  });
});
