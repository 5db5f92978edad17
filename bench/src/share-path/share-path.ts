// The cost of replicating the forward queue: the miner edge's durable publish of accepted shares
// into SHARES (publishAcceptedShare, the PubAck a miner's answer waits for) on a three-node
// JetStream cluster of nats-server on loopback, with the stream at R1 and at R3 in the same run,
// and the forwarder's side (fetch and ack every share). The floor is a core NATS request/reply of
// the same bytes through the same cluster: the round trip with no storage.
import { randomBytes } from "node:crypto";
import { Bus, ensureConsumer, ensureStream, streamCatalog } from "@gatehouse/bus";
import { startNatsCluster } from "@gatehouse/dev";
import { GatewayReason, Sv2Response } from "@gatehouse/proto/mining/v1";
import { publishAcceptedShare } from "@gatehouse/shares";
import { emit } from "../lib/report.js";
import { nowMs, percentiles, throughput } from "../lib/stats.js";

const LATENCY_COUNT = Number(process.env.BENCH_SHARE_PATH_LATENCY_COUNT ?? 2_000);
const COUNT = Number(process.env.BENCH_SHARE_PATH_COUNT ?? 20_000);
/** Publishes in flight for the throughput figure: a busy edge answers many miners at once. */
const WINDOW = 64;

const header = randomBytes(80);
const shareOf = (i: number, tag: string) => ({
  shareId: `${tag}${i.toString(16).padStart(8, "0")}`.padEnd(64, "0"),
  eventId: `${tag}${i.toString(16).padStart(8, "0")}`.padEnd(64, "e"),
  channelId: 7,
  jobId: 42,
  workerId: "rig-01.worker",
  sv2Response: Sv2Response.success,
  reasonCode: GatewayReason.GATEWAY_REASON_UNSPECIFIED,
  difficultyTarget: 1024,
  timestampMs: BigInt(Date.now()),
  header,
});

async function measure(bus: Bus, prefix: string, replicas: number) {
  const tag = `${replicas}${randomBytes(3).toString("hex")}`;
  const spec = { ...streamCatalog({ subjectRoot: bus.subjects.root, namePrefix: prefix, replicas }).SHARES, maxMsgs: 1_000_000 };
  const jsm = await bus.jsm();
  await ensureStream(jsm, spec);
  const options = { sharesStream: spec.name, instanceId: "bench" };

  // Ack latency: one share at a time, as a single miner sees it.
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_COUNT; i++) {
    const started = nowMs();
    await publishAcceptedShare(bus, shareOf(i, `${tag}a`), options);
    samples.push(nowMs() - started);
  }
  // Throughput: WINDOW publishes in flight.
  const publish = await throughput(COUNT, async () => {
    for (let i = 0; i < COUNT; i += WINDOW) {
      const batch = [];
      for (let j = i; j < Math.min(COUNT, i + WINDOW); j++) batch.push(publishAcceptedShare(bus, shareOf(j, `${tag}b`), options));
      await Promise.all(batch);
    }
  });
  // The forwarder's side: every stored share fetched and acknowledged (each ack is replicated too).
  await ensureConsumer(jsm, { stream: spec.name, durable: "bench", ackWaitMs: 60_000, maxAckPending: 10_000 });
  const total = LATENCY_COUNT + COUNT;
  const consumer = await bus.js.consumers.get(spec.name, "bench");
  const consume = await throughput(total, async () => {
    let acked = 0;
    while (acked < total) {
      const batch = await consumer.fetch({ max_messages: 1_000, expires: 5_000 });
      const acks = [];
      for await (const m of batch) acks.push(m.ackAck());
      await Promise.all(acks);
      acked += acks.length;
    }
  });
  await jsm.streams.delete(spec.name);
  return {
    replicas,
    ackLatencyMs: percentiles(samples),
    publish: { what: `publishAcceptedShare, ${WINDOW} in flight`, ...publish },
    consumeAndAck: { what: "fetch 1000 at a time, ackAck each", ...consume },
  };
}

export async function run(): Promise<void> {
  const cluster = await startNatsCluster(3);
  const root = `bench${randomBytes(4).toString("hex")}`;
  const bus = await Bus.connect({ servers: cluster.url.split(","), name: "bench-share-path", subjectRoot: root });
  try {
    // Floor: request/reply of a share's bytes through the cluster, no storage.
    const echo = bus.nc.subscribe(`${root}.floor`, {
      callback: (_err, m) => {
        m.respond(m.data);
      },
    });
    await bus.nc.flush();
    const payload = randomBytes(200);
    const floorSamples: number[] = [];
    for (let i = 0; i < LATENCY_COUNT; i++) {
      const started = nowMs();
      await bus.nc.request(`${root}.floor`, payload, { timeout: 5_000 });
      floorSamples.push(nowMs() - started);
    }
    echo.unsubscribe();
    const prefix = `${root.toUpperCase()}_`;
    const r1 = await measure(bus, `${prefix}R1_`, 1);
    const r3 = await measure(bus, `${prefix}R3_`, 3);
    emit({
      benchmark: "share-path-replicas",
      cluster: { nodes: 3, server: bus.nc.info?.version ?? "" },
      floor: { what: "core NATS request/reply of 200 bytes through the cluster, one at a time", latencyMs: percentiles(floorSamples) },
      r1,
      r3,
      r3CostRatio: {
        publishThroughput: r1.publish.perSecond / r3.publish.perSecond,
        ackLatencyP99: r3.ackLatencyMs.p99 / r1.ackLatencyMs.p99,
        consumeThroughput: r1.consumeAndAck.perSecond / r3.consumeAndAck.perSecond,
      },
    });
  } finally {
    await bus.close();
    await cluster.stop();
  }
}
