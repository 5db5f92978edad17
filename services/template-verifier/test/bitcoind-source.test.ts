import { create } from "@bufbuild/protobuf";
import { findWitnessCommitment, parseBlock, parseBlockTemplate, toHex, witnessCommitmentScript } from "@gatehouse/bitcoin";
import {
  type BlockFound,
  BlockFoundSchema,
  BlockStatus,
  MempoolView,
  type TemplateProposal,
  VerdictReason,
} from "@gatehouse/proto/mining/v1";
import { createLogger } from "@gatehouse/service";
import { waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { configSchema } from "../src/config.js";
import { validatePolicy } from "../src/policy/policy.js";
import type { ProposalWithTransactions } from "../src/policy/verify.js";
import { verifyProposal } from "../src/policy/verify.js";
import { BitcoindSource } from "../src/source/bitcoind.js";
import { proposalFromTemplate, type SourcedTemplate, withTransactions } from "../src/source/proposal.js";
import { JsonRpcClient, RpcError } from "../src/source/rpc-client.js";
import { TemplateTransactionsUnavailableError } from "../src/template-store.js";
import { CORE_LONGPOLL_FIRST_CHECK_MS, CoreLikeRpc } from "./support/core-rpc.js";
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

const quiet = createLogger({ service: "test", instanceId: "t", level: "fatal" });

/** Submits a whole block through `source` (the verifier assembles it; here it is at hand). */
const submit = (source: BitcoindSource, block: Uint8Array) =>
  source.submitBlock(create(BlockFoundSchema, {}) as BlockFound, async () => block);

function sourceOn(
  client: JsonRpcClient,
  onProposal: (t: SourcedTemplate) => void | Promise<void>,
  overrides: Partial<{ pollIntervalMs: number; longPollTimeoutMs: number; now: () => number }> = {},
) {
  return new BitcoindSource({
    rpc: client,
    sourceInstanceId: "t",
    payoutScript: PAYOUT,
    pollIntervalMs: 60_000,
    longPollTimeoutMs: 30_000,
    logger: quiet,
    onProposal,
    ...overrides,
  });
}

function proposalOf(raw: unknown, id = 1n): ProposalWithTransactions {
  return withTransactions(
    proposalFromTemplate(parseBlockTemplate(raw), {
      templateId: id,
      source: "bitcoind-rpc",
      sourceInstanceId: "t",
      payoutScript: PAYOUT,
      createdAtMs: Date.now(),
    }),
  );
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
    // As Core's and the TP's own coinbases (BIP54 preparation): lock time height − 1, sequence 0xfffffffe.
    expect(p.coinbaseTxLocktime).toBe(template.height - 1);
    expect(p.coinbaseTxInputSequence).toBe(0xfffffffe);
    const decision = verifyProposal(p, p.transactions, validatePolicy({ reject_empty_templates: true }), {
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

  it("a block assembled from the proposal is in the active chain, also when submitted again; bad ones come back with the node's reason", async () => {
    const source = sourceOn(rpc, () => {});
    const p = proposalOf(await rpc.call("getblocktemplate", [{ rules: ["segwit"] }]));
    expect(p.txCount).toBeGreaterThan(0);

    const badRoot = mineProposal(p, { merkleRoot: new Uint8Array(32).fill(7) });
    expect(await submit(source, badRoot.block)).toEqual({
      status: BlockStatus.REJECTED,
      rejectReason: "bad-txnmrklroot",
      nodeAnswer: "bad-txnmrklroot",
    });
    const badHeight = mineProposal({ ...p, coinbasePrefix: Uint8Array.of(0x01, 0x7f) } as ProposalWithTransactions);
    expect(await submit(source, badHeight.block)).toMatchObject({ status: BlockStatus.REJECTED, rejectReason: "bad-cb-height" });

    const good = mineProposal(p);
    expect(await submit(source, good.block)).toEqual({ status: BlockStatus.ACTIVE_CHAIN, rejectReason: "", nodeAnswer: "null" });
    expect(await rpc.call("getbestblockhash")).toBe(good.hash);
    // Submitted again (a verifier killed before it recorded the first answer): the chain still says active.
    expect(await submit(source, good.block)).toEqual({ status: BlockStatus.ACTIVE_CHAIN, rejectReason: "", nodeAnswer: "duplicate" });
    // Its transactions unreadable on a later delivery (the object store failing over): the chain still says active, nothing is submitted.
    const unreadable = new TemplateTransactionsUnavailableError("object not read within 5000 ms");
    const held = create(BlockFoundSchema, { header: good.block.subarray(0, 80) }) as BlockFound;
    expect(await source.submitBlock(held, () => Promise.reject(unreadable))).toEqual({
      status: BlockStatus.ACTIVE_CHAIN,
      rejectReason: "",
      nodeAnswer: "none",
    });
    // A block the node does not hold fails with the assembly's own error, for the verifier to retry or answer.
    const unsent = mineProposal(p, { startNonce: good.nonce + 1 });
    const notHeld = create(BlockFoundSchema, { header: unsent.block.subarray(0, 80) }) as BlockFound;
    await expect(source.submitBlock(notHeld, () => Promise.reject(unreadable))).rejects.toBe(unreadable);
    // A block the node only holds as an orphan is still not accepted the second time.
    const orphan = mineProposal({ ...p, prevHash: "11".repeat(32) } as ProposalWithTransactions);
    expect(await submit(source, orphan.block)).toMatchObject({ status: BlockStatus.REJECTED, rejectReason: "bad-prevblk" });
    expect(await submit(source, orphan.block)).toMatchObject({ status: BlockStatus.REJECTED, rejectReason: "duplicate" });
    const mempool = await source.pollMempool();
    expect(mempool.txCount).toBe(0);
  });

  it("reads Bitcoin Core's submitblock answers against the chain: a same-height twin (inconclusive, then duplicate) is stale, never accepted", async () => {
    const core = await CoreLikeRpc.start(node);
    try {
      const source = sourceOn(new JsonRpcClient({ url: core.url, timeoutMs: 5_000 }), () => {});
      await node.sendPayments(payees, 1);
      const p = proposalOf(await rpc.call("getblocktemplate", [{ rules: ["segwit"] }]));
      const tip = mineProposal(p);
      const twin = mineProposal(p, { startNonce: tip.nonce + 1 });
      expect(await submit(source, tip.block)).toEqual({ status: BlockStatus.ACTIVE_CHAIN, rejectReason: "", nodeAnswer: "null" });
      expect(await submit(source, twin.block)).toMatchObject({ status: BlockStatus.STALE, nodeAnswer: "inconclusive" });
      // Submitted again (a redelivery): Core says "duplicate", and the twin is still not in the active chain.
      expect(await submit(source, twin.block)).toMatchObject({ status: BlockStatus.STALE, nodeAnswer: "duplicate" });
      expect(await submit(source, tip.block)).toEqual({ status: BlockStatus.ACTIVE_CHAIN, rejectReason: "", nodeAnswer: "duplicate" });
      expect(core.submitAnswers).toEqual([null, "inconclusive", "duplicate", "duplicate"]);
      expect(await rpc.call("getbestblockhash")).toBe(tip.hash);
    } finally {
      await core.stop();
    }
  });

  it("dates a mempool snapshot by its request, before the node answers (a template built meanwhile is newer)", async () => {
    // A clock that moves a second each time it is read: the reading before the request is the
    // earliest, every answer's arrival is later.
    const readings: number[] = [];
    const source = sourceOn(rpc, () => {}, {
      now: () => {
        readings.push(1_000 * (readings.length + 1));
        return readings.at(-1) as number;
      },
    });
    const snapshot = await source.pollMempool();
    expect(readings.length).toBeGreaterThan(1);
    expect(snapshot.atMs).toBe(readings[0]);
  });

  it("a proposal the bus refused is published again (the template is not marked seen until published)", async () => {
    const published: TemplateProposal[] = [];
    let refusals = 0;
    const source = sourceOn(rpc, (t) => {
      // What nats.js throws for a message over the server's max_payload.
      if (refusals++ === 0) throw new Error("MAX_PAYLOAD_EXCEEDED");
      published.push(t.proposal);
    });
    source.start();
    try {
      await waitFor(() => published.length > 0, { timeoutMs: 10_000, description: "the refused template published on a retry" });
      expect(refusals).toBe(2);
      expect(published[0]?.blockHeight).toBe((await rpc.call<number>("getblockcount")) + 1);
    } finally {
      await source.stop();
    }
  });

  it("polls without piling up abort listeners on its stop signal", async () => {
    // Counts "abort" listeners added and removed per signal while the source polls: a sleep that
    // forgets its listener leaves one per poll on the source's long-lived stop signal.
    const add = EventTarget.prototype.addEventListener;
    const remove = EventTarget.prototype.removeEventListener;
    const abortListeners = new Map<EventTarget, number>();
    const count = (target: EventTarget, type: string, delta: number) => {
      if (type === "abort") abortListeners.set(target, (abortListeners.get(target) ?? 0) + delta);
    };
    EventTarget.prototype.addEventListener = function (this: EventTarget, type: string, ...rest: unknown[]) {
      count(this, type, 1);
      return (add as (...a: unknown[]) => void).call(this, type, ...rest);
    } as typeof add;
    EventTarget.prototype.removeEventListener = function (this: EventTarget, type: string, ...rest: unknown[]) {
      count(this, type, -1);
      return (remove as (...a: unknown[]) => void).call(this, type, ...rest);
    } as typeof remove;
    let polls = 0;
    const counting = new JsonRpcClient({ url: node.rpcUrl, password: node.apiKey, timeoutMs: 5_000 });
    const call = counting.call.bind(counting);
    counting.call = ((method: string, ...rest: unknown[]) => {
      if (method === "getbestblockhash") polls += 1;
      return (call as (...a: unknown[]) => Promise<unknown>)(method, ...rest);
    }) as typeof counting.call;
    const source = sourceOn(counting, () => {}, { pollIntervalMs: 100 });
    source.start();
    try {
      await waitFor(() => polls >= 15, { timeoutMs: 20_000, description: "15 fallback polls" });
      // No signal holds more than what is in flight (a sleep, a call), not one listener per poll.
      expect(Math.max(...abortListeners.values())).toBeLessThan(4);
    } finally {
      EventTarget.prototype.addEventListener = add;
      EventTarget.prototype.removeEventListener = remove;
      await source.stop();
    }
  });

  it("sees a mempool change through a long-poll answered at Bitcoin Core's times (≥ 60 s), with the default long-poll timeout", async () => {
    const core = await CoreLikeRpc.start(node);
    const proposals: TemplateProposal[] = [];
    const { upstream_longpoll_timeout_ms } = configSchema.parse({});
    const source = sourceOn(new JsonRpcClient({ url: core.url, timeoutMs: 5_000 }), (t) => void proposals.push(t.proposal), {
      longPollTimeoutMs: upstream_longpoll_timeout_ms,
      pollIntervalMs: 3_000,
    });
    source.start();
    try {
      await waitFor(() => proposals.length > 0, { timeoutMs: 10_000, description: "first proposal" });
      const before = proposals[0]?.txCount ?? 0;
      await node.sendPayments(payees, 1);
      // Core's first check is 60 s after the long-poll began, the next 10 s later: one cycle.
      await waitFor(() => proposals.some((p) => p.txCount > before), {
        timeoutMs: CORE_LONGPOLL_FIRST_CHECK_MS + 25_000,
        intervalMs: 250,
        description: "a proposal carrying the new mempool transaction",
      });
    } finally {
      await source.stop();
      await core.stop();
    }
  }, 120_000);

  it("publishes a proposal per new template via long-poll, and a new block wakes it", async () => {
    const proposals: TemplateProposal[] = [];
    const source = sourceOn(rpc, (t) => {
      proposals.push(t.proposal);
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
