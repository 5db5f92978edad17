import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, fromBinary } from "@bufbuild/protobuf";
import { buildCoinbase, parseTransaction, serializeHeader, serializeTransaction, txid } from "@gatehouse/bitcoin";
import { Bus, ensureObjectStore, objectStoreCatalog } from "@gatehouse/bus";
import {
  BlockFoundSchema,
  type BlockResult,
  BlockResultSchema,
  BlockStatus,
  MempoolView,
  type TemplateProposal,
  TemplateProposalSchema,
  TemplateTransactionsRefSchema,
  type TemplateVerdict,
  TemplateVerdictSchema,
  VerdictReason,
  type VerifierHeartbeat,
  VerifierHeartbeatSchema,
} from "@gatehouse/proto/mining/v1";
import { natsUrl, ServiceProcess, type TestNamespace, testNamespace, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { DiscardPolicy } from "@nats-io/jetstream";
import { adminClient } from "./support/admin.js";
import { FakeTemplateProvider } from "./support/fake-tp.js";
import { mineProposal } from "./support/mine.js";
import { Regtest } from "./support/regtest.js";
import { transactionReader, transactionsStream } from "./support/transactions.js";

const ns = testNamespace("tv");
const PAYOUT = "0014".padEnd(44, "77");
const dir = mkdtempSync(join(tmpdir(), "tv-policy-"));
const policyFile = join(dir, "policy.toml");
/** The verifier's deadline for one read of a template's transactions from the object store. */
const READ_TIMEOUT_MS = 1_000;
const GOOD_POLICY = "reject_empty_templates = false\nmax_template_age_ms = 60000\n[class_m]\ntolerance_pct = 4.0\n";

let node: Regtest;
let bus: Bus;
let verifier: ServiceProcess;
let payees: string;
let withTransactions: Awaited<ReturnType<typeof transactionReader>>;
const proposals: TemplateProposal[] = [];
const verdicts: TemplateVerdict[] = [];
const results: BlockResult[] = [];
const heartbeats: VerifierHeartbeat[] = [];

/** A block of just a coinbase, with a header committing to it: assembles, whatever a node would say of it. */
function coinbaseOnlyBlock(): { header: Uint8Array; coinbase: Uint8Array } {
  const coinbase = serializeTransaction(buildCoinbase({ height: 300, outputs: [{ value: 0n, scriptPubKey: Uint8Array.of(0x51) }] }));
  const merkleRoot = txid(parseTransaction(coinbase));
  return {
    header: serializeHeader({ version: 4, prevHash: new Uint8Array(32), merkleRoot, time: 0, bits: 0x207fffff, nonce: 0 }),
    coinbase,
  };
}

/** The BlockFound of a block mined on proposal `p`, naming `p`'s transactions unless told otherwise. */
const foundOn = (p: TemplateProposal, m: ReturnType<typeof mineProposal>, transactionsRef = p.transactionsRef) =>
  create(BlockFoundSchema, {
    blockHash: m.hash,
    blockHeight: p.blockHeight,
    templateId: p.templateId,
    source: p.source,
    sourceInstanceId: p.sourceInstanceId,
    transactionsRef,
    header: m.header,
    coinbaseTx: m.coinbase,
    nonce: m.nonce,
    ntime: m.time,
  });

const verdictFor = (p: TemplateProposal) =>
  verdicts.find((v) => v.templateId === p.templateId && v.sourceInstanceId === p.sourceInstanceId);
const latestProposal = () => proposals[proposals.length - 1] as TemplateProposal;

beforeAll(async () => {
  node = await Regtest.start();
  payees = await node.fundWitnessWallet();
  writeFileSync(policyFile, GOOD_POLICY);
  bus = await Bus.connect({ servers: natsUrl(), name: "tv-test", subjectRoot: ns.subjectRoot });
  withTransactions = await transactionReader(bus, ns.streamPrefix);
  bus.subscribe(bus.subjects.templateProposed, TemplateProposalSchema, (m) => void proposals.push(m));
  bus.subscribe(bus.subjects.templateVerdict, TemplateVerdictSchema, (m) => void verdicts.push(m));
  bus.subscribe(bus.subjects.blockResult, BlockResultSchema, (m) => void results.push(m));
  bus.subscribe(bus.subjects.verifierHeartbeat, VerifierHeartbeatSchema, (m) => void heartbeats.push(m));
  verifier = await ServiceProcess.start({
    service: "template-verifier",
    config: {
      nats: { url: natsUrl(), subject_root: ns.subjectRoot, stream_prefix: ns.streamPrefix },
      network: "regtest",
      policy_file: policyFile,
      upstream_url: node.rpcUrl,
      upstream_rpc_password: node.apiKey,
      payout_script: PAYOUT,
      upstream_poll_interval_ms: 500,
      mempool_poll_interval_ms: 300,
      verifier_heartbeat_interval_ms: 200,
      transactions_read_timeout_ms: READ_TIMEOUT_MS,
    },
  });
}, 90_000);

afterAll(async () => {
  await verifier?.stop();
  const jsm = await bus?.jsm();
  for (const stream of ["TEMPLATES", "BLOCKS"]) await jsm?.streams.delete(`${ns.streamPrefix}${stream}`).catch(() => undefined);
  await jsm?.streams.delete(transactionsStream(ns.streamPrefix)).catch(() => undefined);
  await bus?.close();
  await node?.stop();
});

describe("template-verifier with bcoin regtest", () => {
  it("proposes the node's template and answers it with an ok verdict, full check, policy echoed", async () => {
    await waitFor(() => proposals.length > 0 && verdictFor(latestProposal()) !== undefined, {
      timeoutMs: 10_000,
      description: "first verdict",
    });
    const p = latestProposal();
    const v = verdictFor(p) as TemplateVerdict;
    expect(p.source).toBe("bitcoind-rpc");
    expect(v).toMatchObject({
      accepted: true,
      reasonCode: VerdictReason.ok,
      fullCheck: true,
      prevHash: p.prevHash,
      blockHeight: p.blockHeight,
    });
    expect(v.policyContext?.maxTemplateAgeMs).toBe(60_000n);
    await waitFor(() => heartbeats.some((h) => h.ready && h.policyHash === v.policyContext?.policyHash), {
      timeoutMs: 5_000,
      description: "ready heartbeat with the policy hash",
    });
    const ready = await fetch(`${verifier.endpoints.ops}/readyz`);
    expect(ready.status).toBe(200);
  });

  it("a new block gives a new template and its verdict within the verdict budget", async () => {
    const height = latestProposal().blockHeight;
    const started = Date.now();
    await node.rpc("generatetoaddress", [1, payees]);
    await waitFor(() => proposals.some((p) => p.blockHeight === height + 1 && verdictFor(p)), {
      timeoutMs: 5_000,
      description: "verdict for the next height",
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("fee-paying segwit transactions reach a verified template", async () => {
    const sent = await node.sendPayments(payees, 4);
    // Each accepted template large enough is read from the object store once (not on every poll:
    // the earlier tests' templates pile up, and reading them all each time starves a loaded machine).
    const read = new Set<TemplateProposal>();
    const carrying = async () => {
      for (const q of proposals) {
        if (read.has(q) || q.txCount < sent.length || !verdictFor(q)?.accepted) continue;
        read.add(q);
        const full = await withTransactions(q);
        if (sent.every((id) => full.transactions.some((t) => t.txid === id))) return full;
      }
      return undefined;
    };
    const p = await waitFor(carrying, {
      timeoutMs: 20_000,
      description: "accepted template with the payments",
    }).catch((err: Error) => {
      // What did arrive, for the reader of a failure: each proposal's size and its verdict.
      const seen = proposals.slice(-5).map((q) => {
        const v = verdictFor(q);
        return `template ${q.templateId} (${q.txCount} tx): ${v ? (v.accepted ? "accepted" : `rejected ${VerdictReason[v.reasonCode]} ${v.reasonDetail}`) : "no verdict"}`;
      });
      throw new Error(`${err.message}; sent ${sent.join(", ")}; last proposals: ${seen.join("; ")}`);
    });
    expect(p.totalFees).toBeGreaterThan(0n);
    expect(p.transactions.every((t) => t.txid !== t.wtxid)).toBe(true);
  });

  it("a found block is assembled from the stored transactions, submitted and in the active chain; a bad one is rejected with the node's reason", async () => {
    const p = await withTransactions(latestProposal());
    const bad = mineProposal({ ...p, coinbasePrefix: Uint8Array.of(0x01, 0x7f) });
    const unassemblable = mineProposal(p, { merkleRoot: new Uint8Array(32).fill(1) });
    const found = (m: ReturnType<typeof mineProposal>) => foundOn(p, m);
    await bus.publishDurable(bus.subjects.blockFound, BlockFoundSchema, found(bad), { msgId: bad.hash });
    await waitFor(() => results.find((r) => r.blockHash === bad.hash), { timeoutMs: 10_000, description: "result for the bad block" });
    expect(results.find((r) => r.blockHash === bad.hash)).toMatchObject({
      accepted: false,
      status: BlockStatus.REJECTED,
      rejectReason: "bad-cb-height",
    });
    // A header whose merkle root does not fit the stored transactions is never sent to the node.
    await bus.publishDurable(bus.subjects.blockFound, BlockFoundSchema, found(unassemblable), { msgId: unassemblable.hash });
    await waitFor(() => results.find((r) => r.blockHash === unassemblable.hash), {
      timeoutMs: 10_000,
      description: "result for the bad root",
    });
    expect(results.find((r) => r.blockHash === unassemblable.hash)).toMatchObject({
      accepted: false,
      status: BlockStatus.SUBMIT_FAILED,
      rejectReason: expect.stringMatching(/merkle root/),
    });

    const good = mineProposal(p);
    await bus.publishDurable(bus.subjects.blockFound, BlockFoundSchema, found(good), { msgId: good.hash });
    await waitFor(() => results.find((r) => r.blockHash === good.hash), { timeoutMs: 10_000, description: "result for the good block" });
    expect(results.find((r) => r.blockHash === good.hash)).toMatchObject({
      accepted: true,
      status: BlockStatus.ACTIVE_CHAIN,
      rejectReason: "",
      nodeAnswer: "null",
      templateId: p.templateId,
    });
    expect(await node.rpc("getbestblockhash")).toBe(good.hash);
    await waitFor(() => proposals.some((x) => x.blockHeight === p.blockHeight + 1), {
      timeoutMs: 5_000,
      description: "template on top of our block",
    });
  });

  it("a found block whose transactions' read never finishes is tried again after the read's deadline, and does not hold the blocks found after it", async () => {
    // An object whose metadata is there and whose chunks are not: nats.js's read of it waits for
    // chunks that never come, as a read does whose NATS node was killed mid-way.
    const spec = objectStoreCatalog({ namePrefix: ns.streamPrefix }).TEMPLATE_TRANSACTIONS;
    const store = await ensureObjectStore(bus, spec);
    const name = `stalled.${Date.now()}`;
    await store.putBlob({ name }, new Uint8Array(64 * 1024).fill(7));
    const info = await store.info(name);
    await (await bus.jsm()).streams.purge(transactionsStream(ns.streamPrefix), { filter: `$O.${spec.bucket}.C.${info?.nuid}` });

    const p = await withTransactions(latestProposal());
    const stalled = mineProposal({ ...p, coinbasePrefix: Uint8Array.of(0x01, 0x7e) });
    const good = mineProposal(p);
    const unreadable = create(TemplateTransactionsRefSchema, { bucket: spec.bucket, name, sizeBytes: 64n * 1024n, txCount: 1 });
    await bus.publishDurable(bus.subjects.blockFound, BlockFoundSchema, foundOn(p, stalled, unreadable), { msgId: stalled.hash });
    await bus.publishDurable(bus.subjects.blockFound, BlockFoundSchema, foundOn(p, good), { msgId: good.hash });

    // The consumer takes one block at a time: the good block is answered only because the stalled
    // one's read gave up and went back to the stream for a later attempt.
    await waitFor(() => results.find((r) => r.blockHash === good.hash), { timeoutMs: 10_000, description: "result for the good block" });
    expect(results.find((r) => r.blockHash === good.hash)).toMatchObject({ accepted: true, status: BlockStatus.ACTIVE_CHAIN });
    expect(results.find((r) => r.blockHash === stalled.hash)).toBeUndefined();
    // Each attempt gives up at the deadline; the last answers instead of trying again.
    const answer = await waitFor(() => results.find((r) => r.blockHash === stalled.hash), {
      timeoutMs: 30_000,
      description: "result for the block whose transactions cannot be read",
    });
    expect(answer).toMatchObject({ accepted: false, status: BlockStatus.SUBMIT_FAILED });
    expect(answer.rejectReason).toContain(`object ${name} not read within ${READ_TIMEOUT_MS} ms`);
    await waitFor(() => proposals.some((x) => x.blockHeight === p.blockHeight + 1), {
      timeoutMs: 5_000,
      description: "template on top of our block",
    });
  }, 60_000);

  it("/verdicts filters and exports CSV; bad filters are 400; metrics count by reason", async () => {
    const all = (await (await fetch(`${verifier.endpoints.ops}/verdicts?limit=3`)).json()) as { verdicts: { reason_code: string }[] };
    expect(all.verdicts.length).toBeGreaterThan(0);
    expect(all.verdicts.length).toBeLessThanOrEqual(3);
    const ok = (await (await fetch(`${verifier.endpoints.ops}/verdicts?reason=ok&accepted=true`)).json()) as {
      verdicts: { accepted: boolean }[];
    };
    expect(ok.verdicts.every((v) => v.accepted)).toBe(true);
    // No verdict refused a template (shown whole when one did, reason and detail with it).
    const refused = (await (await fetch(`${verifier.endpoints.ops}/verdicts?accepted=false`)).json()) as { verdicts: unknown[] };
    expect(refused.verdicts).toEqual([]);
    const csv = await fetch(`${verifier.endpoints.ops}/verdicts?format=csv`);
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split("\n");
    expect(lines[0]).toMatch(/^decided_at_unix_ms,template_id,/);
    expect(lines.length).toBeGreaterThan(1);
    expect((await fetch(`${verifier.endpoints.ops}/verdicts?reason=nope`)).status).toBe(400);
    expect((await fetch(`${verifier.endpoints.ops}/verdicts?limit=-1`)).status).toBe(400);
    const metrics = await (await fetch(`${verifier.endpoints.ops}/metrics`)).text();
    expect(metrics).toMatch(/^gatehouse_template_verifier_verdicts_total\{reason_code="ok",accepted="true"\} [1-9]/m);
    expect(metrics).toMatch(/^gatehouse_template_verifier_blocks_submitted_total\{outcome="active_chain"\} 2$/m);
  });

  it("gRPC: GetPolicy, SetPolicy validated before it applies, VerifyTemplate on demand", async () => {
    const admin = adminClient(verifier.endpoints.grpc as string);
    try {
      const before = await admin.unary("getPolicy", {});
      expect(before).toMatchObject({ loaded: true, origin: policyFile, loadError: "" });
      expect(before.policyToml).toMatch(/reject_empty_templates = false/);
      await expect(admin.unary("setPolicy", { policyToml: "max_tx_count = -5" })).rejects.toMatchObject({
        code: 3,
        details: expect.stringMatching(/max_tx_count/),
      });
      expect((await admin.unary("getPolicy", {})).policyHash).toBe(before.policyHash);

      const set = await admin.unary("setPolicy", { policyToml: `min_total_fees = 999999999999\n${GOOD_POLICY}` });
      expect(set.policyHash).not.toBe(before.policyHash);
      const { verdict } = await admin.unary("verifyTemplate", { proposal: latestProposal() });
      expect(verdict).toMatchObject({ accepted: false, reasonCode: VerdictReason.total_fees_below_minimum });
      expect(verdict?.policyContext?.policyHash).toBe(set.policyHash);
      await expect(admin.unary("verifyTemplate", {})).rejects.toMatchObject({ code: 3 });
    } finally {
      admin.close();
    }
  });

  it("SIGHUP reloads the policy file; a bad file keeps the last good policy", async () => {
    const admin = adminClient(verifier.endpoints.grpc as string);
    try {
      writeFileSync(policyFile, `max_tx_count = 1234\n${GOOD_POLICY}`);
      verifier.child.kill("SIGHUP");
      await waitFor(async () => (await admin.unary("getPolicy", {})).policyToml.includes("max_tx_count = 1234"), {
        timeoutMs: 5_000,
        description: "reloaded policy",
      });
      const good = await admin.unary("getPolicy", {});
      expect(good.origin).toBe(policyFile);

      writeFileSync(policyFile, "max_tx_count = = broken");
      verifier.child.kill("SIGHUP");
      await waitFor(async () => (await admin.unary("getPolicy", {})).loadError !== "", {
        timeoutMs: 5_000,
        description: "load error recorded",
      });
      const kept = await admin.unary("getPolicy", {});
      expect(kept).toMatchObject({ loaded: true, policyHash: good.policyHash });
      expect(kept.loadError).toMatch(/not valid TOML/);
      expect(verifier.lines.some((l) => l.msg === "policy_load_error" && l.why === "SIGHUP")).toBe(true);
    } finally {
      admin.close();
    }
  });
});

describe("template-verifier without a usable policy", () => {
  it("is not ready and answers every proposal with policy_load_error", async () => {
    const other = testNamespace("tvbad");
    const badFile = join(dir, "bad.toml");
    writeFileSync(badFile, "max_weight_ratio = 7\n");
    const otherBus = await Bus.connect({ servers: natsUrl(), name: "tv-test-bad", subjectRoot: other.subjectRoot });
    const got: TemplateVerdict[] = [];
    otherBus.subscribe(otherBus.subjects.templateVerdict, TemplateVerdictSchema, (m) => void got.push(m));
    const bad = await ServiceProcess.start({
      service: "template-verifier",
      config: { nats: { url: natsUrl(), subject_root: other.subjectRoot, stream_prefix: other.streamPrefix }, policy_file: badFile },
    });
    try {
      const ready = await fetch(`${bad.endpoints.ops}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.text()).toMatch(/policy_load_error/);
      await waitFor(
        () => {
          otherBus.publish(otherBus.subjects.templateProposed, TemplateProposalSchema, {
            templateId: 9n,
            protocolVersion: 2,
            prevHash: "00".repeat(32),
          });
          return got.length > 0;
        },
        { timeoutMs: 5_000, description: "verdict from the policy-less verifier" },
      );
      expect(got[0]).toMatchObject({ accepted: false, reasonCode: VerdictReason.policy_load_error, templateId: 9n });
      expect(got[0]?.reasonDetail).toMatch(/max_weight_ratio/);
    } finally {
      await bad.stop();
      const jsm = await otherBus.jsm();
      for (const stream of [`${other.streamPrefix}TEMPLATES`, `${other.streamPrefix}BLOCKS`, transactionsStream(other.streamPrefix)])
        await jsm.streams.delete(stream).catch(() => undefined);
      await otherBus.close();
    }
  });
});

describe("template-verifier with an SV2 Template Provider", () => {
  it("proposes the TP's templates, decides them, and sends a found block back as SubmitSolution", async () => {
    const tp = await FakeTemplateProvider.start(node);
    // The SIGHUP test above leaves a broken policy file behind.
    writeFileSync(policyFile, GOOD_POLICY);
    const other = testNamespace("tvtdp");
    const otherBus = await Bus.connect({ servers: natsUrl(), name: "tv-test-tdp", subjectRoot: other.subjectRoot });
    const withTdpTransactions = await transactionReader(otherBus, other.streamPrefix);
    const seen: TemplateProposal[] = [];
    const decided: TemplateVerdict[] = [];
    const answers: BlockResult[] = [];
    otherBus.subscribe(otherBus.subjects.templateProposed, TemplateProposalSchema, (m) => void seen.push(m));
    otherBus.subscribe(otherBus.subjects.templateVerdict, TemplateVerdictSchema, (m) => void decided.push(m));
    otherBus.subscribe(otherBus.subjects.blockResult, BlockResultSchema, (m) => void answers.push(m));
    const tdpVerifier = await ServiceProcess.start({
      service: "template-verifier",
      config: {
        nats: { url: natsUrl(), subject_root: other.subjectRoot, stream_prefix: other.streamPrefix },
        network: "regtest",
        policy_file: policyFile,
        tdp_addr: `127.0.0.1:${tp.port}`,
        tdp_authority_public_key: tp.authorityPublicKey,
        payout_script: PAYOUT,
      },
    });
    try {
      await waitFor(() => seen.length > 0 && decided.some((v) => v.templateId === seen[0]?.templateId), {
        timeoutMs: 10_000,
        description: "TDP proposal and verdict",
      });
      const p = seen[0] as TemplateProposal;
      expect(p.source).toBe("sv2-tdp");
      expect(decided.find((v) => v.templateId === p.templateId)).toMatchObject({ accepted: true, fullCheck: true });
      expect((await fetch(`${tdpVerifier.endpoints.ops}/readyz`)).status).toBe(200);

      const mined = mineProposal(await withTdpTransactions(p));
      await otherBus.publishDurable(
        otherBus.subjects.blockFound,
        BlockFoundSchema,
        create(BlockFoundSchema, {
          blockHash: mined.hash,
          blockHeight: p.blockHeight,
          templateId: p.templateId,
          source: p.source,
          sourceInstanceId: p.sourceInstanceId,
          transactionsRef: p.transactionsRef,
          header: mined.header,
          coinbaseTx: mined.coinbase,
          version: p.blockVersion,
          nonce: mined.nonce,
          ntime: mined.time,
        }),
        { msgId: mined.hash },
      );
      await waitFor(() => answers.find((r) => r.blockHash === mined.hash), {
        timeoutMs: 10_000,
        description: "BlockResult for the TDP block",
      });
      // SubmitSolution has no answer: the TP announcing the block as its new tip confirms it.
      expect(answers.find((r) => r.blockHash === mined.hash)).toMatchObject({
        accepted: true,
        status: BlockStatus.ACTIVE_CHAIN,
        nodeAnswer: "none",
      });
      await waitFor(() => tp.submissions.some((s) => s.hash === mined.hash), { timeoutMs: 5_000, description: "SubmitSolution at the TP" });
      expect(tp.submissions.find((s) => s.hash === mined.hash)?.answer).toBeNull();
      expect(await node.rpc("getbestblockhash")).toBe(mined.hash);
    } finally {
      await tdpVerifier.stop();
      await tp.stop();
      const jsm = await otherBus.jsm();
      for (const stream of [`${other.streamPrefix}TEMPLATES`, `${other.streamPrefix}BLOCKS`, transactionsStream(other.streamPrefix)])
        await jsm.streams.delete(stream).catch(() => undefined);
      await otherBus.close();
    }
  });
});

/** A verifier on its own namespace whose template source never answers (nothing listens on port 1). */
const unreachableVerifier = (ns: TestNamespace, extra: Record<string, unknown> = {}) =>
  ServiceProcess.start({
    service: "template-verifier",
    config: {
      nats: { url: natsUrl(), subject_root: ns.subjectRoot, stream_prefix: ns.streamPrefix },
      upstream_url: "http://127.0.0.1:1/",
      upstream_rpc_timeout_ms: 200,
      payout_script: PAYOUT,
      ...extra,
    },
  });

describe("template-verifier with an unreachable template source", () => {
  it("is not ready and says why: no answer from the source, no mempool poll; its heartbeat says the source is unhealthy", async () => {
    const other = testNamespace("tvdown");
    const otherBus = await Bus.connect({ servers: natsUrl(), name: "tv-test-down", subjectRoot: other.subjectRoot });
    const beats: VerifierHeartbeat[] = [];
    otherBus.subscribe(otherBus.subjects.verifierHeartbeat, VerifierHeartbeatSchema, (m) => void beats.push(m));
    const down = await unreachableVerifier(other, { verifier_heartbeat_interval_ms: 100 });
    try {
      const ready = await fetch(`${down.endpoints.ops}/readyz`);
      expect(ready.status).toBe(503);
      const body = await ready.text();
      expect(body).toMatch(/bitcoind-rpc: no answer yet/);
      expect(body).toMatch(/no successful mempool poll/);
      await waitFor(() => beats.length > 0, { timeoutMs: 5_000, description: "heartbeat" });
      expect(beats[0]).toMatchObject({ ready: false, sourceHealthy: false, mempoolView: MempoolView.degraded });

      // A found block it cannot deliver is answered after the last attempt, not dropped.
      const lone = coinbaseOnlyBlock();
      const results: BlockResult[] = [];
      otherBus.subscribe(otherBus.subjects.blockResult, BlockResultSchema, (m) => void results.push(m));
      await otherBus.publishDurable(
        otherBus.subjects.blockFound,
        BlockFoundSchema,
        { blockHash: "ee".repeat(32), source: "bitcoind-rpc", header: lone.header, coinbaseTx: lone.coinbase },
        { msgId: "ee" },
      );
      await waitFor(() => results.length > 0, { timeoutMs: 15_000, description: "BlockResult after the retries" });
      expect(results[0]).toMatchObject({ accepted: false, blockHash: "ee".repeat(32) });
      expect(results[0]?.rejectReason).toMatch(/^submit_failed: submitblock: /);
      expect(down.lines.filter((l) => l.msg === "delivery handler failed; redelivering").length).toBe(4);
    } finally {
      await down.stop();
      const jsm = await otherBus.jsm();
      for (const stream of [`${other.streamPrefix}TEMPLATES`, `${other.streamPrefix}BLOCKS`, transactionsStream(other.streamPrefix)])
        await jsm.streams.delete(stream).catch(() => undefined);
      await otherBus.close();
    }
  });
});

describe("template-verifier whose answer the BLOCKS stream cannot store", () => {
  it("keeps the found block until its answer is stored, past the node attempts (a full stream refuses it for a while)", async () => {
    const other = testNamespace("tvfull");
    const otherBus = await Bus.connect({ servers: natsUrl(), name: "tv-test-full", subjectRoot: other.subjectRoot });
    const jsm = await otherBus.jsm();
    const blocksStream = `${other.streamPrefix}BLOCKS`;
    const verifier = await unreachableVerifier(other);
    try {
      const lone = coinbaseOnlyBlock();
      await otherBus.publishDurable(
        otherBus.subjects.blockFound,
        BlockFoundSchema,
        { blockHash: "ef".repeat(32), source: "bitcoind-rpc", header: lone.header, coinbaseTx: lone.coinbase },
        { msgId: "ef" },
      );
      // The stream is full and refuses new messages: the submit_failed answer cannot be stored.
      // (Core subscribers still see each refused publish; what counts is what the stream holds.)
      const { config, state } = await jsm.streams.info(blocksStream);
      await jsm.streams.update(blocksStream, { ...config, max_msgs: state.messages, discard: DiscardPolicy.New });
      const failures = () => verifier.lines.filter((l) => l.msg === "delivery handler failed; redelivering").length;
      // Four failed node attempts, then the last attempt's answer refused twice: past the five deliveries.
      await waitFor(() => failures() >= 6, { timeoutMs: 20_000, description: "the answer refused after the last node attempt" });
      expect((await jsm.streams.info(blocksStream)).state.messages).toBe(state.messages);
      await jsm.streams.update(blocksStream, { ...config, max_msgs: -1, discard: DiscardPolicy.Old });
      const stored = await waitFor(() => jsm.streams.getMessage(blocksStream, { last_by_subj: otherBus.subjects.blockResult }), {
        timeoutMs: 10_000,
        description: "the answer once the stream takes it",
      });
      const result = fromBinary(BlockResultSchema, stored.data);
      expect(result).toMatchObject({ accepted: false, blockHash: "ef".repeat(32) });
      expect(result.rejectReason).toMatch(/^submit_failed: submitblock: /);
      expect((await jsm.streams.info(blocksStream)).state.messages).toBe(state.messages + 1);
    } finally {
      await verifier.stop();
      for (const stream of [`${other.streamPrefix}TEMPLATES`, blocksStream, transactionsStream(other.streamPrefix)])
        await jsm.streams.delete(stream).catch(() => undefined);
      await otherBus.close();
    }
  });
});

describe("template-verifier replicas", () => {
  it("answer each proposal exactly once between them (queue group)", async () => {
    const other = testNamespace("tvrep");
    const otherBus = await Bus.connect({ servers: natsUrl(), name: "tv-test-replicas", subjectRoot: other.subjectRoot });
    const got: TemplateVerdict[] = [];
    otherBus.subscribe(otherBus.subjects.templateVerdict, TemplateVerdictSchema, (m) => void got.push(m));
    const config = { nats: { url: natsUrl(), subject_root: other.subjectRoot, stream_prefix: other.streamPrefix }, instance_id: "" };
    const replicas = [
      await ServiceProcess.start({ service: "template-verifier", config: { ...config, instance_id: "replica-a" } }),
      await ServiceProcess.start({ service: "template-verifier", config: { ...config, instance_id: "replica-b" } }),
    ];
    try {
      const count = 200;
      for (let i = 1; i <= count; i++) {
        otherBus.publish(otherBus.subjects.templateProposed, TemplateProposalSchema, {
          templateId: BigInt(i),
          protocolVersion: 2,
          prevHash: "00".repeat(32),
        });
      }
      await waitFor(() => got.length >= count, { timeoutMs: 10_000, description: "a verdict per proposal" });
      await otherBus.nc.flush();
      const ids = got.map((v) => v.templateId);
      expect(new Set(ids).size).toBe(count);
      expect(got.length).toBe(count);
      expect(new Set(got.map((v) => v.verifierInstanceId))).toEqual(new Set(["replica-a", "replica-b"]));
    } finally {
      for (const r of replicas) await r.stop();
      const jsm = await otherBus.jsm();
      for (const stream of [`${other.streamPrefix}TEMPLATES`, `${other.streamPrefix}BLOCKS`, transactionsStream(other.streamPrefix)])
        await jsm.streams.delete(stream).catch(() => undefined);
      await otherBus.close();
    }
  });
});
