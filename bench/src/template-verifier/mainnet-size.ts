// The mainnet-size case of the template-verifier benchmark: the stack as `make dev` runs it
// (bcoin regtest, template-verifier with bcoin as its source, miner-edge, one loadgen miner) on a
// private NATS with default settings (max_payload 1 MiB), bcoin's mempool filled with more than two
// blocks of standard transactions so every template weighs 4 M. Measured per new tip: proposal on
// the bus → the miner's SetNewPrevHash for it (proposal to job at the edge), proposal → verdict
// (the verifier reads ~1.2 MB of transactions from the object store and re-derives the template);
// per found block: BlockFound → BlockResult (assembled from the object store and submitted).
// Floor: the same transaction bytes written to and read back from the object store by this process.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bus, ensureObjectStore } from "@gatehouse/bus";
import { type Stack, startStack } from "@gatehouse/dev";
import { startLoadgen } from "@gatehouse/loadgen";
import {
  BlockFoundSchema,
  BlockResultSchema,
  type TemplateProposal,
  TemplateProposalSchema,
  TemplateVerdictSchema,
} from "@gatehouse/proto/mining/v1";
import { redisUrl, testNamespace } from "@gatehouse/testkit";
import { nowMs, percentiles } from "../lib/stats.js";

// About five blocks of transactions, mined at one block per ~20 s: every tip of the run is mainnet size.
const FILL_BYTES = Number(process.env.BENCH_TV_FILL_BYTES ?? 8_000_000);
const MINING_SECONDS = Number(process.env.BENCH_TV_MINING_SECONDS ?? 90);
const SHARES_PER_SECOND = 0.05;
const MAINNET_TX_COUNT = 2_000;

interface TipSample {
  txCount: number;
  transactionBytes: number;
  seenAt: number;
  verdictAt?: number;
  jobAt?: number;
}

export async function runMainnetSize() {
  const stack: Stack = await startStack({
    ports: "free",
    nats: "private",
    redisUrl: redisUrl(),
    namespace: testNamespace("benchfull"),
    devDir: mkdtempSync(join(tmpdir(), "bench-full-")),
    autoRestart: false,
    cleanUp: true,
    services: ["template-verifier", "miner-edge", "share-forwarder"],
    miners: [],
    txIntervalMs: 0,
  });
  const bus = await Bus.connect({ servers: stack.natsUrl, name: "bench-mainnet-size", subjectRoot: stack.namespace.subjectRoot });
  try {
    const tips = new Map<string, TipSample>();
    const proposals = new Map<bigint, { prevHash: string; txCount: number }>();
    bus.subscribe(bus.subjects.templateProposed, TemplateProposalSchema, (p: TemplateProposal) => {
      proposals.set(p.templateId, { prevHash: p.prevHash, txCount: p.txCount });
      if (tips.has(p.prevHash)) return;
      tips.set(p.prevHash, { txCount: p.txCount, transactionBytes: Number(p.transactionsRef?.sizeBytes ?? 0n), seenAt: nowMs() });
    });
    bus.subscribe(bus.subjects.templateVerdict, TemplateVerdictSchema, (v) => {
      const tip = tips.get(v.prevHash);
      if (tip && tip.verdictAt === undefined && proposals.get(v.templateId)?.prevHash === v.prevHash) tip.verdictAt = nowMs();
    });
    const foundAt = new Map<string, number>();
    const blocks: { ms: number; submitMs: number; accepted: boolean; txCount: number }[] = [];
    const templateOfBlock = new Map<string, bigint>();
    bus.subscribe(bus.subjects.blockFound, BlockFoundSchema, (b) => {
      foundAt.set(b.blockHash, nowMs());
      templateOfBlock.set(b.blockHash, b.templateId);
    });
    bus.subscribe(bus.subjects.blockResult, BlockResultSchema, (r) => {
      const at = foundAt.get(r.blockHash);
      if (at !== undefined)
        blocks.push({
          ms: nowMs() - at,
          submitMs: Number(r.answeredAtUnixMs - r.submittedAtUnixMs),
          accepted: r.accepted,
          txCount: proposals.get(templateOfBlock.get(r.blockHash) ?? 0n)?.txCount ?? 0,
        });
    });

    const filled = await stack.bcoin.fillMempool(FILL_BYTES);
    const edge = stack.endpoints("miner-edge").sv2 as string;
    const [host, port] = edge.split(":");
    const lg = startLoadgen({
      host: host as string,
      port: Number(port),
      authorityKey: stack.keys.authorityPublicKey,
      // The dev stack admits workers named dev.*.
      worker: "dev.bench-full",
      connections: 1,
      rate: SHARES_PER_SECOND,
    });
    lg.on("prevhash", (e) => {
      const tip = tips.get(e.prevHash);
      if (tip && tip.jobAt === undefined) tip.jobAt = nowMs();
    });
    await new Promise((resolve) => setTimeout(resolve, MINING_SECONDS * 1_000));
    await lg.stop();

    // Floor: the same bytes through the object store, write then read, from this process.
    const floorBytes = new Uint8Array(Math.max(...[...tips.values()].map((t) => t.transactionBytes), 1));
    const store = await ensureObjectStore(bus, {
      bucket: `${stack.namespace.streamPrefix}BENCH_FLOOR`,
      description: "bench floor",
      ttlMs: 60_000,
    });
    const floorStarted = nowMs();
    await store.putBlob({ name: "floor" }, floorBytes);
    await store.getBlob("floor");
    const floorMs = nowMs() - floorStarted;
    await (await bus.jsm()).streams.delete(`OBJ_${stack.namespace.streamPrefix}BENCH_FLOOR`).catch(() => undefined);

    const mainnet = [...tips.values()].filter((t) => t.txCount >= MAINNET_TX_COUNT);
    const mainnetBlocks = blocks.filter((b) => b.txCount >= MAINNET_TX_COUNT);
    return {
      what: "mainnet-size templates (4 M weight) through the stack on a private NATS with default max_payload",
      natsMaxPayloadBytes: bus.nc.info?.max_payload,
      mempoolFill: filled,
      tipsMeasured: mainnet.length,
      templateTxCount: percentiles(mainnet.map((t) => t.txCount)),
      templateTransactionBytes: percentiles(mainnet.map((t) => t.transactionBytes)),
      proposalToJobAtEdgeMs: percentiles(mainnet.filter((t) => t.jobAt !== undefined).map((t) => (t.jobAt as number) - t.seenAt)),
      proposalToVerdictMs: percentiles(mainnet.filter((t) => t.verdictAt !== undefined).map((t) => (t.verdictAt as number) - t.seenAt)),
      blocks: {
        found: mainnetBlocks.length,
        accepted: mainnetBlocks.filter((b) => b.accepted).length,
        foundToResultMs: percentiles(mainnetBlocks.map((b) => b.ms)),
        // The verifier's own stamps: block assembly, submitblock and the node's answer, then the chain check.
        submittedToAnsweredMs: percentiles(mainnetBlocks.map((b) => b.submitMs)),
      },
      floor: {
        what: "the same transaction bytes written to and read back from a JetStream object store by the bench process",
        ms: floorMs,
      },
    };
  } finally {
    await bus.close();
    await stack.stop();
  }
}
