// The share forwarder end to end — SHARES stream → signed POST → pool backend → result stored —
// with 64 and 256 shares in flight one POST each, and in batch mode (up to BATCH shares a POST,
// BATCH_IN_FLIGHT shares in flight), beside the same run's floors: JetStream consume+ack alone, and the pool backend
// alone (signed POSTs from a keep-alive pool, no NATS), one share a POST and in batches.
import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { create } from "@bufbuild/protobuf";
import { Bus, ensureConsumer, ensureStream, streamCatalog } from "@gatehouse/bus";
import { BATCH_PATH, PoolBackend } from "@gatehouse/pool-backend";
import { ShareAcceptedSchema, ShareForwardResultSchema } from "@gatehouse/proto/mining/v1";
import { publishAcceptedShare, submissionBody } from "@gatehouse/shares";
import { type ExampleShare, exampleShare, ServiceProcess } from "@gatehouse/testkit";
import { Pool } from "undici";
import { BenchError } from "../lib/errors.js";
import { cpuSecondsOf, listenerPid } from "../lib/proc.js";
import { emit } from "../lib/report.js";
import { nowMs, percentiles, throughput } from "../lib/stats.js";
import { signedHeaders } from "./sign.js";

const COUNT = Number(process.env.BENCH_SHARE_FORWARDER_COUNT ?? 20_000);
const LATENCY_RATE = Number(process.env.BENCH_SHARE_FORWARDER_RATE ?? 300);
const LATENCY_SECONDS = Number(process.env.BENCH_SHARE_FORWARDER_LATENCY_SECONDS ?? 5);
const IN_FLIGHT = [64, 256];
const BATCH = Number(process.env.BENCH_SHARE_FORWARDER_BATCH ?? 64);
const BATCH_IN_FLIGHT = Number(process.env.BENCH_SHARE_FORWARDER_BATCH_IN_FLIGHT ?? 256);
const SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const servers = process.env.GH_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
/** The NATS server's process, when it runs on this machine as a visible process (its CPU is read over each drain). */
const natsPid = listenerPid(Number(new URL(servers.replace(/^nats:/, "http:")).port || 4222));
const CORES = availableParallelism();

/**
 * Every process's CPU per share over a drain — forwarder, NATS server (which also serves whatever
 * else uses it), and this process (publisher, pool backend, result reader) — and the rate the
 * machine's cores would allow at that cost: the figure to read the share of the HTTP floor beside.
 */
function cpuPerShare(shares: number, forwarderCpuSeconds: number, benchCpuSeconds: number, natsCpuSeconds: number | undefined) {
  const micros = (seconds: number) => (seconds * 1e6) / shares;
  const total = forwarderCpuSeconds + benchCpuSeconds + (natsCpuSeconds ?? 0);
  return {
    forwarder: micros(forwarderCpuSeconds),
    benchProcess: micros(benchCpuSeconds),
    natsServer: natsCpuSeconds === undefined ? null : micros(natsCpuSeconds),
    allProcesses: micros(total),
    coreBoundSharesPerSecond: (CORES * shares) / total,
  };
}

function makeShares(run: string, count: number): ExampleShare[] {
  return Array.from({ length: count }, (_, i) => exampleShare(i, { run }));
}

async function publishAll(bus: Bus, stream: string, list: ExampleShare[]): Promise<void> {
  for (let i = 0; i < list.length; i += 500) {
    await Promise.all(
      list.slice(i, i + 500).map((share) => publishAcceptedShare(bus, share, { sharesStream: stream, instanceId: "bench" })),
    );
  }
}

/** Floor 1: the same messages through a work-queue stream, consumed and acked with ackAck. */
async function jetstreamFloor(bus: Bus, root: string, list: ExampleShare[]) {
  const stream = `BENCHSF_${root.toUpperCase()}`;
  const jsm = await bus.jsm();
  await ensureStream(jsm, { name: stream, subjects: [`${root}.floor`], retention: "workqueue", maxMsgs: COUNT * 2, discard: "new" });
  await ensureConsumer(jsm, { stream, durable: "floor", maxAckPending: 1_024 });
  for (let i = 0; i < list.length; i += 500) {
    await Promise.all(
      list.slice(i, i + 500).map((share) => bus.publishDurable(`${root}.floor`, ShareAcceptedSchema, share, { msgId: share.eventId })),
    );
  }
  const consumer = await bus.js.consumers.get(stream, "floor");
  const result = await throughput(list.length, async () => {
    const messages = await consumer.consume({ max_messages: 512 });
    let acked = 0;
    const inFlight = new Set<Promise<unknown>>();
    for await (const m of messages) {
      const ack = m.ackAck().then(() => {
        acked += 1;
      });
      inFlight.add(ack);
      void ack.finally(() => inFlight.delete(ack));
      if (inFlight.size >= 256) await Promise.race(inFlight);
      if (acked + inFlight.size >= list.length) break;
    }
    await Promise.all(inFlight);
    await messages.close();
  });
  await jsm.streams.delete(stream);
  return { what: "JetStream work queue: consume + ackAck, 256 acks in flight", ...result };
}

/** Floor 2: signed POSTs straight to the pool backend from a keep-alive pool. */
async function httpFloor(backend: PoolBackend, list: ExampleShare[], connections: number) {
  const url = new URL(backend.url);
  const pool = new Pool(url.origin, { connections, pipelining: 1 });
  const bodies = list.map((share) => submissionBody(create(ShareAcceptedSchema, share)));
  let next = 0;
  const result = await throughput(list.length, async () => {
    const worker = async () => {
      for (let i = next++; i < list.length; i = next++) {
        const body = bodies[i] as Buffer;
        const res = await pool.request({
          path: url.pathname,
          method: "POST",
          headers: signedHeaders(SECRET, (list[i] as ExampleShare).eventId, body),
          body,
        });
        const text = await res.body.text();
        if (res.statusCode !== 200 || !text.includes('"accepted":true')) throw new BenchError(`backend answered ${res.statusCode} ${text}`);
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
  });
  await pool.close();
  return { what: `pool backend alone: signed POSTs, ${connections} in flight, keep-alive`, ...result };
}

/** Floor 3: signed batch POSTs of `batch` shares straight to the pool backend, `connections` at once. */
async function httpBatchFloor(backend: PoolBackend, list: ExampleShare[], batch: number, connections: number) {
  const url = new URL(backend.batchUrl);
  const pool = new Pool(url.origin, { connections, pipelining: 1 });
  const bodies: Buffer[] = [];
  for (let i = 0; i < list.length; i += batch) {
    const shares = list.slice(i, i + batch).map((share) => submissionBody(create(ShareAcceptedSchema, share)));
    bodies.push(Buffer.concat([Buffer.from('{"shares":['), Buffer.from(shares.join(",")), Buffer.from("]}")]));
  }
  let next = 0;
  const result = await throughput(list.length, async () => {
    const worker = async () => {
      for (let i = next++; i < bodies.length; i = next++) {
        const body = bodies[i] as Buffer;
        const res = await pool.request({ path: url.pathname, method: "POST", headers: signedHeaders(SECRET, `batch_${i}`, body), body });
        const text = await res.body.text();
        if (res.statusCode !== 200 || text.includes('"accepted":false'))
          throw new BenchError(`backend answered ${res.statusCode} ${text.slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
  });
  await pool.close();
  return { what: `pool backend alone: signed batch POSTs of ${batch} shares, ${connections} in flight, keep-alive`, ...result };
}

/** End to end with one forwarder process: drain a backlog of COUNT, then paced latency. */
async function endToEnd(backend: PoolBackend, maxInFlight: number, batchMaxShares = 1) {
  const root = `benchsf${randomBytes(3).toString("hex")}`;
  const prefix = `${root.toUpperCase()}_`;
  const catalog = streamCatalog({ subjectRoot: root, namePrefix: prefix });
  const scoped = await Bus.connect({ servers, name: "bench-share-forwarder", subjectRoot: root });
  const forwarder = await ServiceProcess.start({
    service: "share-forwarder",
    config: {
      mode: "observe",
      nats: { url: servers, subject_root: root, stream_prefix: prefix },
      share_upstream_url: backend.url,
      share_upstream_secret: SECRET,
      share_forward_queue_size: COUNT * 2,
      share_forward_max_in_flight: maxInFlight,
      ...(batchMaxShares > 1 ? { share_upstream_batch_max_shares: batchMaxShares, share_upstream_batch_path: BATCH_PATH } : {}),
    },
  });
  try {
    const results = new Map<string, number>();
    const sub = scoped.subscribe(scoped.subjects.shareResult, ShareForwardResultSchema, (result) => {
      results.set(result.eventId, nowMs());
    });
    // Throughput: the backlog drains while publishing goes on.
    const backlog = makeShares(root, COUNT);
    const cpuBefore = cpuSecondsOf(forwarder.pid);
    const natsBefore = natsPid === undefined ? 0 : cpuSecondsOf(natsPid);
    const drain = await throughput(COUNT, async () => {
      await publishAll(scoped, catalog.SHARES.name, backlog);
      while (results.size < COUNT) await new Promise((resolve) => setTimeout(resolve, 20));
    });
    const forwarderCpuSeconds = cpuSecondsOf(forwarder.pid) - cpuBefore;
    const natsCpuSeconds = natsPid === undefined ? undefined : cpuSecondsOf(natsPid) - natsBefore;
    // Latency: publish at a steady rate well below capacity, time each share to its result.
    const paced = makeShares(`${root}-paced`, LATENCY_RATE * LATENCY_SECONDS);
    const sentAt = new Map<string, number>();
    const intervalMs = 1000 / LATENCY_RATE;
    const start = nowMs();
    for (const [i, share] of paced.entries()) {
      const due = start + i * intervalMs;
      const wait = due - nowMs();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      sentAt.set(share.eventId, nowMs());
      void publishAcceptedShare(scoped, share, { sharesStream: catalog.SHARES.name, instanceId: "bench" });
    }
    while (paced.some((s) => !results.has(s.eventId))) await new Promise((resolve) => setTimeout(resolve, 20));
    const latencies = paced.map((s) => (results.get(s.eventId) as number) - (sentAt.get(s.eventId) as number));
    sub.unsubscribe();
    const lost = backlog.filter((s) => !results.has(s.eventId)).length;
    return {
      maxInFlight,
      batchMaxShares,
      what: `publish (edge helper) → SHARES → forwarder process → signed POST (${batchMaxShares > 1 ? `batches of up to ${batchMaxShares}` : "one per share"}) → pool backend → result stored`,
      ...drain,
      forwarderCpuSeconds,
      forwarderCpuMicrosPerShare: (forwarderCpuSeconds * 1e6) / COUNT,
      cpuMicrosPerShare: cpuPerShare(COUNT, forwarderCpuSeconds, drain.cpuSeconds, natsCpuSeconds),
      lost,
      latencyMs: { ratePerSecond: LATENCY_RATE, shares: paced.length, ...percentiles(latencies) },
    };
  } finally {
    // SIGTERM: the forwarder's own shutdown, which is also when a GH_PROFILE_DIR profile is written.
    await forwarder.stop("SIGTERM");
    const jsm = await scoped.jsm();
    for (const stream of [catalog.SHARES.name, catalog.SHARE_RESULTS.name]) await jsm.streams.delete(stream).catch(() => false);
    await scoped.close();
  }
}

export async function run(): Promise<void> {
  const root = `benchsf${randomBytes(4).toString("hex")}`;
  const bus = await Bus.connect({ servers, name: "bench-share-forwarder-floor", subjectRoot: root });
  const backend = await PoolBackend.start({ secret: SECRET, maxStored: COUNT * 8 });
  try {
    const list = makeShares(root, COUNT);
    const jetstream = await jetstreamFloor(bus, root, list);
    const http64 = await httpFloor(backend, list, 64);
    const http256 = await httpFloor(backend, makeShares(`${root}-256`, COUNT), 256);
    const httpBatch = await httpBatchFloor(
      backend,
      makeShares(`${root}-batch`, COUNT),
      BATCH,
      Math.max(1, Math.round(BATCH_IN_FLIGHT / BATCH)),
    );
    const e2e: Awaited<ReturnType<typeof endToEnd>>[] = [];
    for (const maxInFlight of IN_FLIGHT) e2e.push(await endToEnd(backend, maxInFlight));
    e2e.push(await endToEnd(backend, BATCH_IN_FLIGHT, BATCH));
    const httpFloorOf = (r: (typeof e2e)[number]) => (r.batchMaxShares > 1 ? httpBatch : r.maxInFlight === 64 ? http64 : http256);
    emit({
      benchmark: "share-forwarder",
      shares: COUNT,
      floor: { jetstream, httpBackend64: http64, httpBackend256: http256, httpBackendBatch: httpBatch },
      endToEnd: e2e.map((r) => ({
        ...r,
        ratioToJetstreamFloor: jetstream.perSecond / r.perSecond,
        ratioToHttpFloor: httpFloorOf(r).perSecond / r.perSecond,
        // The HTTP floor's rate were its CPU per share (this process alone) all the cores had: beside coreBoundSharesPerSecond.
        httpFloorCoreBoundPerSecond: (CORES * 1e6) / httpFloorOf(r).cpuMicrosPerOp,
      })),
      note: "2 shared cores run NATS, the forwarder, the pool backend and this driver at once; figures are noisy — compare ratios within one run",
    });
  } finally {
    await backend.close();
    await bus.close();
  }
}
