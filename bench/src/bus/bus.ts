// The bus's own cost: typed publish/subscribe and JetStream publish through libs/bus, beside the
// same run's floor (raw NATS publish of the same bytes), so ratios survive a noisy machine.
import { randomBytes } from "node:crypto";
import { Bus, encode, ensureStream } from "@gatehouse/bus";
import { GatewayReason, ShareAcceptedSchema, Sv2Response } from "@gatehouse/proto/mining/v1";
import { headers } from "@nats-io/transport-node";
import { emit } from "../lib/report.js";
import { throughput } from "../lib/stats.js";

const COUNT = Number(process.env.BENCH_BUS_COUNT ?? 50_000);
const JS_COUNT = Number(process.env.BENCH_BUS_JS_COUNT ?? 10_000);

const share = {
  shareId: randomBytes(32).toString("hex"),
  eventId: randomBytes(32).toString("hex"),
  channelId: 7,
  jobId: 42,
  workerId: "rig-01.worker",
  sv2Response: Sv2Response.success,
  reasonCode: GatewayReason.GATEWAY_REASON_UNSPECIFIED,
  difficultyTarget: 1024,
  timestampMs: BigInt(Date.now()),
  header: randomBytes(80),
};

export async function run(): Promise<void> {
  const root = `bench${randomBytes(4).toString("hex")}`;
  const servers = process.env.GH_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
  const bus = await Bus.connect({ servers, name: "bench-bus", subjectRoot: root });
  const subject = bus.subjects.shareAccepted;
  const encoded = encode(ShareAcceptedSchema, share);
  // The floor is nats.js alone: its own header set with the same names and values.
  const rawHeaders = headers();
  for (const [name, values] of encoded.headers) for (const value of values) rawHeaders.append(name, value);

  const received = (n: number) => {
    let seen = 0;
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    return {
      tick: () => {
        seen += 1;
        if (seen === n) done();
      },
      finished,
    };
  };

  const raw = received(COUNT);
  const rawSub = bus.nc.subscribe(`${subject}.raw`, { callback: () => raw.tick() });
  const floor = await throughput(COUNT, async () => {
    for (let i = 0; i < COUNT; i++) bus.nc.publish(`${subject}.raw`, encoded.data, { headers: rawHeaders });
    await raw.finished;
  });
  rawSub.unsubscribe();

  const typed = received(COUNT);
  const typedSub = bus.subscribe(subject, ShareAcceptedSchema, () => {
    typed.tick();
  });
  const pubsub = await throughput(COUNT, async () => {
    for (let i = 0; i < COUNT; i++) bus.publish(subject, ShareAcceptedSchema, share);
    await typed.finished;
  });
  typedSub.unsubscribe();

  const stream = `BENCH_${root.toUpperCase()}`;
  const jsm = await bus.jsm();
  await ensureStream(jsm, { name: stream, subjects: [`${root}.js.>`], storage: "file" });
  const jetstream = await throughput(JS_COUNT, async () => {
    const window = 256;
    for (let i = 0; i < JS_COUNT; i += window) {
      const batch = [];
      for (let j = i; j < Math.min(JS_COUNT, i + window); j++) {
        batch.push(bus.publishDurable(`${root}.js.share`, ShareAcceptedSchema, share, { msgId: `${j}` }));
      }
      await Promise.all(batch);
    }
  });
  await jsm.streams.delete(stream);
  await bus.close();

  emit({
    benchmark: "bus",
    payloadBytes: encoded.data.length,
    floor: { what: "raw NATS publish+receive of the same bytes and headers", ...floor },
    typedPubSub: { ...pubsub, ratioToFloor: floor.perSecond / pubsub.perSecond },
    jetstreamPublish: { what: "publishDurable with msg id, 256 in flight, file store", ...jetstream },
  });
}
