// The miner edge as a real process with Noise on, in inline mode (every share is stored in the
// SHARES stream before the miner hears "accepted"); one file of about 350 lines because its four
// measurements share one edge process and its set-up. Measured:
// (1) accepted shares/s and share-ack latency (p50/p99) from pipelined miners (tools/loadgen at
//     full speed, WINDOW shares outstanding each), with the edge's CPU;
// (2) handshakes/s (TCP + Noise NX + SetupConnection + channel open) and the edge's CPU per handshake;
// (3) idle connections held (default 10,000) and the edge's resident memory per idle connection.
// (1b) latency under load: miners paced to 25 %, 50 % and 90 % of the rate (1) measured;
// the floor per share, measured in the same run: the AEAD work on its frame and a raw JetStream publish.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import {
  bip34HeightScript,
  compactSize,
  concat,
  nBitsToTarget,
  u64le,
  u256ToLE,
  WITNESS_RESERVED_VALUE,
  witnessCommitment,
  witnessCommitmentScript,
} from "@gatehouse/bitcoin";
import { Bus, ensureStream, streamCatalog } from "@gatehouse/bus";
import { type Loadgen, startLoadgen } from "@gatehouse/loadgen";
import { TemplateProposalSchema, TemplateVerdictSchema, VerdictReason, VerifierHeartbeatSchema } from "@gatehouse/proto/mining/v1";
import { Sv2Client, aead as sv2Aead } from "@gatehouse/sv2";
import { profileFlags, waitFor, writeEdgeIdentity } from "@gatehouse/testkit";
import { BenchError } from "../lib/errors.js";
import { aeadShareFrameFloor, jetstreamPublishFloor } from "../lib/floors.js";
import { LOAD_FRACTIONS } from "../lib/paced.js";
import { cpuSecondsOf, rssBytesOf, stopProcess } from "../lib/proc.js";
import { emit } from "../lib/report.js";
import { bucketQuantileMs, watchStalls } from "../lib/service-metrics.js";
import { nowMs, percentiles } from "../lib/stats.js";

const MINERS = Number(process.env.BENCH_EDGE_MINERS ?? 20);
const WINDOW = Number(process.env.BENCH_EDGE_WINDOW ?? 8);
const SECONDS = Number(process.env.BENCH_EDGE_SECONDS ?? 10);
const HANDSHAKES = Number(process.env.BENCH_EDGE_HANDSHAKES ?? 300);
const IDLE = Number(process.env.BENCH_EDGE_IDLE ?? 10_000);
/** Seconds each latency-under-load step runs (25 %, 50 % and 90 % of the measured saturation rate). */
const PACED_SECONDS = Number(process.env.BENCH_EDGE_PACED_SECONDS ?? 6);
/** Iterations of the floor measurements. */
const FLOOR_SHARES = Number(process.env.BENCH_EDGE_FLOOR_SHARES ?? 20_000);
const NBITS = 0x1d00ffff;

function template(templateId: bigint) {
  const outputs = [
    { value: 312_500_000n, scriptPubKey: Uint8Array.of(0x51) },
    { value: 0n, scriptPubKey: witnessCommitmentScript(witnessCommitment([])) },
  ];
  const now = Math.floor(Date.now() / 1000);
  return create(TemplateProposalSchema, {
    templateId,
    source: "bench",
    sourceInstanceId: "bench",
    protocolVersion: 2,
    blockHeight: 900_000,
    prevHash: randomBytes(32).toString("hex"),
    blockVersion: 0x20000000,
    nbits: NBITS,
    target: u256ToLE(nBitsToTarget(NBITS)),
    headerTimestamp: now,
    minNtime: now - 600,
    coinbaseTxVersion: 2,
    coinbasePrefix: bip34HeightScript(900_000),
    coinbaseTxInputSequence: 0xffffffff,
    coinbaseTxValueRemaining: 312_500_000n,
    coinbaseTxOutputsCount: outputs.length,
    coinbaseTxOutputs: concat(outputs.flatMap((o) => [u64le(o.value), compactSize(o.scriptPubKey.length), o.scriptPubKey])),
    coinbaseWitnessReservedValue: WITNESS_RESERVED_VALUE,
    // A 12-level path: a ~3,000-transaction block.
    merklePath: Array.from({ length: 12 }, () => randomBytes(32)),
    txCount: 3000,
    coinbaseValue: 312_500_000n,
    createdAtUnixMs: BigInt(Date.now()),
  });
}

async function startEdge(config: string[]): Promise<{ child: ChildProcess; sv2: { host: string; port: number }; ops: string }> {
  const dir = mkdtempSync(join(tmpdir(), "bench-edge-"));
  const file = join(dir, "config.toml");
  writeFileSync(file, config.join("\n"));
  const child = spawn(
    process.execPath,
    [...profileFlags("miner-edge"), join(process.cwd(), "services/miner-edge/dist/main.js"), "--config", file],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const started = await new Promise<{ sv2: string; ops: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new BenchError("miner-edge did not start in 20 s"));
    }, 20_000);
    let out = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      // Echo the edge's warnings and errors; keep only the start-up text searched for the endpoint.
      for (const line of chunk.split("\n")) if (/"level":(40|50|60)/.test(line)) process.stderr.write(`edge: ${line.slice(0, 400)}\n`);
      if (out.length < 100_000) out += chunk;
      const sv2 = /"sv2":"tcp:\/\/([^"]+)"/.exec(out)?.[1];
      const ops = /"ops":"(http:\/\/[^"]+)"/.exec(out)?.[1];
      if (sv2 && ops) {
        clearTimeout(timer);
        resolve({ sv2, ops });
      }
    });
    child.once("exit", (code) => reject(new BenchError(`miner-edge exited with ${code}`)));
  });
  const { sv2, ops } = started;
  const [host, port] = [sv2.slice(0, sv2.lastIndexOf(":")), Number(sv2.slice(sv2.lastIndexOf(":") + 1))];
  return { child, sv2: { host, port }, ops };
}

const METRIC = "gatehouse_miner_edge_";

/**
 * The share-ack latencies of answers read between start() and stop(): the measured stretch only,
 * not the shares answered while the other miners were still connecting (their handshakes compete
 * for the edge's CPU).
 */
function latencyWindow(loadgen: Loadgen): { start(): void; stop(): { p50: number; p99: number; max: number } } {
  const samples: number[] = [];
  let recording = false;
  loadgen.on("share", (e) => {
    if (recording) samples.push(e.latencyMs);
  });
  return {
    start: () => {
      recording = true;
    },
    stop: () => {
      recording = false;
      const { p50, p99, max } = percentiles(samples);
      return { p50: Number(p50.toFixed(2)), p99: Number(p99.toFixed(2)), max: Number(max.toFixed(2)) };
    },
  };
}

/**
 * Where a stretch's share-ack latency went, beside what the miners measured (write → answer read):
 * the edge's own share_ack_seconds (frame decoded → answer written; its histogram's bucket bounds),
 * the edge's event-loop lag, GC time and mark-compacts, and the event-loop delay of this process, where the
 * simulated miners run (a stall here delays reading answers and inflates their latency).
 * Returns the function that ends the stretch.
 */
async function watchEdgeStalls(ops: string): Promise<() => Promise<Record<string, unknown>>> {
  const stop = await watchStalls(ops, METRIC);
  return async () => {
    const { serviceEventLoopLagMs, serviceGcMsPerSecond, serviceMarkCompacts, serviceScavenges, benchEventLoopDelayMs, before, after } =
      await stop();
    const ack = `${METRIC}share_ack_seconds`;
    return {
      edgeAckMsAtMost: { p50: bucketQuantileMs(before, after, ack, 0.5), p99: bucketQuantileMs(before, after, ack, 0.99) },
      edgeEventLoopLagMs: serviceEventLoopLagMs,
      edgeGcMsPerSecond: serviceGcMsPerSecond,
      edgeMarkCompacts: serviceMarkCompacts,
      edgeScavenges: serviceScavenges,
      loadgenEventLoopDelayMs: benchEventLoopDelayMs,
    };
  };
}

async function openMiner(addr: { host: string; port: number }, authority: string, user: string): Promise<Sv2Client> {
  const client = await Sv2Client.connect({ ...addr, authorityPublicKey: authority, requestTimeoutMs: 60_000, handshakeTimeoutMs: 60_000 });
  await client.setupConnection({ flags: 0b100 });
  await client.openStandardChannel({ userIdentity: user, nominalHashRate: 1e12, maxTarget: new Uint8Array(32).fill(0xff) });
  return client;
}

/** Deletes this run's Redis keys with one EVAL over a raw socket (the bench has no Redis client). */
async function deleteRedisKeys(url: string, pattern: string): Promise<void> {
  const { hostname, port } = new URL(url);
  const script = "for _,k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 1";
  const args = ["EVAL", script, "0", pattern];
  const command = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
  await new Promise<void>((resolve, reject) => {
    const socket = tcpConnect({ host: hostname, port: Number(port || 6379) }, () => socket.write(command));
    socket.once("data", () => {
      socket.end();
      resolve();
    });
    socket.once("error", reject);
  });
}

export async function run(): Promise<void> {
  const servers = process.env.GH_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
  const redisUrl = process.env.GH_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
  const root = `benchedge${randomBytes(4).toString("hex")}`;
  const prefix = `${root.toUpperCase()}_`;
  const catalog = streamCatalog({ subjectRoot: root, namePrefix: prefix });
  const bus = await Bus.connect({ servers, name: "bench-miner-edge", subjectRoot: root });
  const jsm = await bus.jsm();
  await ensureStream(jsm, { ...catalog.SHARES, maxMsgs: 5_000_000 });

  const { authority, config: identityConfig } = writeEdgeIdentity("bench-edge");

  const { child, sv2, ops } = await startEdge([
    'http_addr = "127.0.0.1:0"',
    'grpc_addr = "127.0.0.1:0"',
    // "service started" (with the SV2 endpoint) is an info line.
    'log_level = "info"',
    'mode = "inline"',
    // The bench publishes one template; idle channels opened minutes later must still be admitted.
    'upstream_failure_policy = "fail_open"',
    'listen_addr = "127.0.0.1:0"',
    `noise_key_file = "${identityConfig.noise_key_file}"`,
    `authority_public_key_file = "${identityConfig.authority_public_key_file}"`,
    "initial_difficulty = 1e-30",
    "max_shares_per_second_per_channel = 1000000",
    "rate_limit_messages_per_sec = 1000000",
    "rate_limit_bytes_per_sec = 1000000000",
    "connection_rate_limit_per_ip = 1000000",
    // Every simulated miner comes from 127.0.0.1.
    "max_connections_per_ip = 1000000",
    "auto_degrade_after_ms = 600000",
    "share_dedup_window_size = 10000",
    "[auth]",
    'mode = "prefix_map"',
    'prefix_map = { "bench." = "bench" }',
    "[nats]",
    `url = "${servers}"`,
    `subject_root = "${root}"`,
    `stream_prefix = "${prefix}"`,
    "[redis]",
    `url = "${redisUrl}"`,
    `key_prefix = "${root}:"`,
  ]);
  const pid = child.pid as number;
  let edgeExit: { code: number | null; signal: string | null } | undefined;
  child.once("exit", (code, signal) => {
    edgeExit = { code, signal };
  });
  // An interrupted run must not leave the edge behind.
  const killEdge = () => {
    child.kill("SIGKILL");
    process.exit(143);
  };
  process.once("SIGTERM", killEdge);
  process.once("SIGINT", killEdge);
  const heartbeat = setInterval(
    () => bus.publish(bus.subjects.verifierHeartbeat, VerifierHeartbeatSchema, { verifierInstanceId: "bench", ready: true }),
    200,
  );
  const clients: Sv2Client[] = [];
  try {
    const t = template(1n);
    bus.publish(bus.subjects.templateProposed, TemplateProposalSchema, t);
    bus.publish(bus.subjects.templateVerdict, TemplateVerdictSchema, { templateId: 1n, accepted: true, reasonCode: VerdictReason.ok });
    await bus.nc.flush();
    await new Promise((resolve) => setTimeout(resolve, 300));

    // (1) Shares: the channel target is the maximum, so every hash is a share and the edge is the bottleneck.
    const loadgen = startLoadgen({
      host: sv2.host,
      port: sv2.port,
      authorityKey: authority,
      connections: MINERS,
      connectConcurrency: MINERS,
      rate: 0,
      window: WINDOW,
      worker: "bench.m",
      reconnect: false,
    });
    const saturationLatency = latencyWindow(loadgen);
    await waitFor(() => loadgen.miners.every((m) => m.connected || m.done), { timeoutMs: 60_000, description: "every bench miner mining" });
    // Counted from here, once all miners are mining; ackLatencyMs also has the shares answered while they connected.
    const saturationStalls = await watchEdgeStalls(ops);
    saturationLatency.start();
    const acceptedBefore = loadgen.stats.accepted;
    const cpuBefore = cpuSecondsOf(pid);
    const started = nowMs();
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    const accepted = loadgen.stats.accepted - acceptedBefore;
    const elapsed = (nowMs() - started) / 1000;
    const edgeCpu = cpuSecondsOf(pid) - cpuBefore;
    const latencyOnceConnected = saturationLatency.stop();
    const stallsAtSaturation = await saturationStalls();
    const shareReport = await loadgen.stop();
    const sharesState = (await jsm.streams.info(catalog.SHARES.name)).state;
    const stored = sharesState.messages;
    const saturation = accepted / elapsed;

    // (1b) Latency under load: each miner paced so the edge sees a fraction of its saturation rate.
    const underLoad = [];
    for (const fraction of LOAD_FRACTIONS) {
      const paced = startLoadgen({
        host: sv2.host,
        port: sv2.port,
        authorityKey: authority,
        connections: MINERS,
        connectConcurrency: MINERS,
        rate: (saturation * fraction) / MINERS,
        window: 64,
        worker: `bench.p${Math.round(fraction * 100)}`,
        reconnect: false,
      });
      const latency = latencyWindow(paced);
      await waitFor(() => paced.miners.every((m) => m.connected || m.done), { timeoutMs: 60_000, description: "every paced miner mining" });
      const stalls = await watchEdgeStalls(ops);
      latency.start();
      const before = { accepted: paced.stats.accepted, cpu: cpuSecondsOf(pid), at: nowMs() };
      await new Promise((resolve) => setTimeout(resolve, PACED_SECONDS * 1000));
      const pacedAccepted = paced.stats.accepted - before.accepted;
      const pacedCpu = cpuSecondsOf(pid) - before.cpu;
      const pacedSeconds = (nowMs() - before.at) / 1000;
      const ackLatencyMsOnceConnected = latency.stop();
      const where = await stalls();
      const report = await paced.stop();
      underLoad.push({
        fractionOfSaturation: fraction,
        targetPerSecond: Math.round(saturation * fraction),
        acceptedPerSecond: Math.round(pacedAccepted / pacedSeconds),
        ackLatencyMs: { p50: report.ackLatencyMs.p50, p99: report.ackLatencyMs.p99, max: report.ackLatencyMs.max },
        ackLatencyMsOnceConnected,
        edgeCpuMicrosPerShare: Math.round((pacedCpu * 1e6) / Math.max(1, pacedAccepted)),
        ...where,
      });
    }

    // The floor for one accepted share, measured here: its four AEAD operations on the SV2 frame and a
    // raw JetStream publish of the bytes the edge stored per share.
    const storedBytesPerShare = Math.round(sharesState.bytes / Math.max(1, stored));
    const aead = await aeadShareFrameFloor(FLOOR_SHARES);
    const publish = await jetstreamPublishFloor(bus, root, randomBytes(storedBytesPerShare), FLOOR_SHARES);
    const floorMicros = aead.cpuMicrosPerOp + publish.cpuMicrosPerOp;

    // (2) Handshakes, 20 at a time.
    const hsCpuBefore = cpuSecondsOf(pid);
    const hsStart = nowMs();
    for (let done = 0; done < HANDSHAKES; done += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, HANDSHAKES - done) }, (_, i) => openMiner(sv2, authority, `bench.h${done + i}`)),
      );
      await Promise.all(batch.map((c) => c.close()));
    }
    const hsSeconds = (nowMs() - hsStart) / 1000;
    const hsCpu = cpuSecondsOf(pid) - hsCpuBefore;

    // (3) Idle connections held.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rssBefore = rssBytesOf(pid);
    let held = 0;
    const idleFailures = new Map<string, number>();
    for (let done = 0; done < IDLE; done += 50) {
      const batch = await Promise.allSettled(
        Array.from({ length: Math.min(50, IDLE - done) }, (_, i) => openMiner(sv2, authority, `bench.i${done + i}`)),
      );
      for (const r of batch) {
        if (r.status === "fulfilled") {
          clients.push(r.value);
          held += 1;
        } else {
          const why = (r.reason as Error).message.slice(0, 80);
          idleFailures.set(why, (idleFailures.get(why) ?? 0) + 1);
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rssAfter = rssBytesOf(pid);
    const stillOpen = clients.filter((c) => !c.connection.isClosed).length;

    const lat = shareReport.ackLatencyMs;
    emit({
      benchmark: "miner-edge",
      note: "one edge process, Noise on, inline mode (PubAck from JetStream before each SubmitShares.Success); client miners in the bench process on the same 2 shared cores: figures are noisy",
      shares: {
        miners: MINERS,
        windowPerMiner: WINDOW,
        seconds: Number(elapsed.toFixed(2)),
        accepted,
        acceptedPerSecond: Math.round(accepted / elapsed),
        rejected: shareReport.rejectedByReason,
        storedInSharesStream: stored,
        minerFailures: shareReport.connections.errors,
        loadgenHashesPerSecond: shareReport.hashesPerSecond,
        ackLatencyMs: { p50: Number(lat.p50.toFixed(2)), p99: Number(lat.p99.toFixed(2)), max: Number(lat.max.toFixed(2)) },
        ackLatencyMsOnceConnected: latencyOnceConnected,
        ...stallsAtSaturation,
        edgeCpuSeconds: Number(edgeCpu.toFixed(2)),
        edgeCpuMicrosPerShare: Math.round((edgeCpu * 1e6) / Math.max(1, accepted)),
        floor: {
          what: `CPU for the AEAD seal+open of the share's SV2 frame (${sv2Aead.name}) plus a raw JetStream publish (PubAck awaited) of the stored bytes`,
          storedBytesPerShare,
          aeadCpuMicrosPerShare: Number(aead.cpuMicrosPerOp.toFixed(2)),
          jetstreamPublishCpuMicrosPerShare: Number(publish.cpuMicrosPerOp.toFixed(2)),
          cpuMicrosPerShare: Number(floorMicros.toFixed(2)),
        },
        cpuRatioToFloor: Number(((edgeCpu * 1e6) / Math.max(1, accepted) / floorMicros).toFixed(2)),
        latencyUnderLoad: underLoad,
      },
      handshakes: {
        count: HANDSHAKES,
        perSecond: Math.round(HANDSHAKES / hsSeconds),
        edgeCpuMicrosPerHandshake: Math.round((hsCpu * 1e6) / HANDSHAKES),
        includes: "TCP connect, Noise NX, SetupConnection, OpenStandardMiningChannel + first job, close",
      },
      idle: {
        requested: IDLE,
        held,
        stillOpenAfter1s: stillOpen,
        failures: Object.fromEntries(idleFailures),
        edgeExitedDuringRun: edgeExit ?? null,
        edgeRssBeforeMiB: Math.round(rssBefore / 2 ** 20),
        edgeRssAfterMiB: Math.round(rssAfter / 2 ** 20),
        edgeBytesPerIdleConnection: Math.round((rssAfter - rssBefore) / Math.max(1, held)),
      },
    });
  } finally {
    clearInterval(heartbeat);
    process.off("SIGTERM", killEdge);
    process.off("SIGINT", killEdge);
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await stopProcess(child);
    for (const key of ["SHARES", "EDGE_EVENTS"] as const) await jsm.streams.delete(catalog[key].name).catch(() => undefined);
    await bus.close();
    await deleteRedisKeys(redisUrl, `${root}:*`);
  }
}
