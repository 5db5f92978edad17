import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GatewayReason,
  ShareAcceptedSchema,
  ShareForwardResultSchema,
  Sv2Response,
  VerifierHeartbeatSchema,
} from "@gatehouse/proto/mining/v1";
import { freePort } from "@gatehouse/service";
import { natsUrl, testNamespace, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Bus, BusRequestError, BusUnavailableError, ensureConsumer, ensureStream, ProvisionConflictError } from "../src/index.js";

const ns = testNamespace("bus");
let bus: Bus;
const streams: string[] = [];

beforeAll(async () => {
  bus = await Bus.connect({ servers: natsUrl(), name: "bus-test", subjectRoot: ns.subjectRoot });
});

afterAll(async () => {
  const jsm = await bus.jsm();
  for (const name of streams) await jsm.streams.delete(name).catch(() => undefined);
  await bus.close();
});

async function stream(name: string, subjects: string[], extra: Partial<Parameters<typeof ensureStream>[1]> = {}) {
  const full = `${ns.streamPrefix}${name}`;
  streams.push(full);
  return { name: full, outcome: await ensureStream(await bus.jsm(), { name: full, subjects, ...extra }) };
}

describe("typed publish/subscribe", () => {
  it("delivers decoded messages with their trace header and skips other types", async () => {
    const got: bigint[] = [];
    const traces: (string | undefined)[] = [];
    const sub = bus.subscribe(bus.subjects.verifierHeartbeat, VerifierHeartbeatSchema, (hb, ctx) => {
      got.push(hb.sequence);
      traces.push(ctx.traceparent);
    });
    bus.publish(bus.subjects.verifierHeartbeat, ShareAcceptedSchema, { shareId: "wrong type" });
    bus.publish(bus.subjects.verifierHeartbeat, VerifierHeartbeatSchema, { sequence: 7n }, { traceparent: "00-11-22-01" });
    await waitFor(() => got.length === 1, { description: "heartbeat delivery" });
    expect(got).toEqual([7n]);
    expect(traces).toEqual(["00-11-22-01"]);
    sub.unsubscribe();
  });

  it("answers requests and carries a handler's error back as BusRequestError", async () => {
    const subject = `${ns.subjectRoot}.rpc`;
    const server = bus.serve(subject, VerifierHeartbeatSchema, VerifierHeartbeatSchema, (req) => {
      if (req.sequence === 0n) throw new Error("sequence must be positive");
      return { sequence: req.sequence + 1n };
    });
    const reply = await bus.request(subject, VerifierHeartbeatSchema, { sequence: 41n }, VerifierHeartbeatSchema);
    expect(reply.sequence).toBe(42n);
    await expect(bus.request(subject, VerifierHeartbeatSchema, { sequence: 0n }, VerifierHeartbeatSchema)).rejects.toThrow(
      new BusRequestError(`${subject}: sequence must be positive`),
    );
    await expect(
      bus.request(`${subject}.nobody`, VerifierHeartbeatSchema, {}, VerifierHeartbeatSchema, { timeoutMs: 500 }),
    ).rejects.toBeInstanceOf(BusRequestError);
    server.unsubscribe();
  });
});

describe("JetStream", () => {
  it("provisions idempotently, updates what can change and refuses what cannot", async () => {
    const subjects = [`${ns.subjectRoot}.prov.>`];
    expect((await stream("PROV", subjects, { maxMsgs: 10 })).outcome).toBe("created");
    expect((await stream("PROV", subjects, { maxMsgs: 10 })).outcome).toBe("unchanged");
    expect((await stream("PROV", subjects, { maxMsgs: 20 })).outcome).toBe("updated");
    expect((await (await bus.jsm()).streams.info(`${ns.streamPrefix}PROV`)).config.max_msgs).toBe(20);
    await expect(stream("PROV", subjects, { maxMsgs: 20, retention: "workqueue" })).rejects.toThrow(ProvisionConflictError);

    const jsm = await bus.jsm();
    const consumer = { stream: `${ns.streamPrefix}PROV`, durable: "c1", ackWaitMs: 5_000, maxDeliver: 3 };
    expect(await ensureConsumer(jsm, consumer)).toBe("created");
    expect(await ensureConsumer(jsm, consumer)).toBe("unchanged");
    expect(await ensureConsumer(jsm, { ...consumer, maxDeliver: 5 })).toBe("updated");
    await expect(ensureConsumer(jsm, { ...consumer, filterSubject: `${ns.subjectRoot}.prov.x` })).rejects.toThrow(ProvisionConflictError);
  });

  it("stores a message once per Nats-Msg-Id within the duplicate window", async () => {
    const { name } = await stream("DEDUP", [`${ns.subjectRoot}.dedup`], { duplicateWindowMs: 60_000 });
    const first = await bus.publishDurable(
      `${ns.subjectRoot}.dedup`,
      ShareAcceptedSchema,
      { eventId: "e" },
      { msgId: "e", expectStream: name },
    );
    const again = await bus.publishDurable(
      `${ns.subjectRoot}.dedup`,
      ShareAcceptedSchema,
      { eventId: "e" },
      { msgId: "e", expectStream: name },
    );
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect((await (await bus.jsm()).streams.info(name)).state.messages).toBe(1);
  });

  it("consumes with settle-once deliveries: ack on return, redelivery on throw, term on poison", async () => {
    const subject = `${ns.subjectRoot}.work`;
    const { name } = await stream("WORK", [subject], { retention: "workqueue" });
    await ensureConsumer(await bus.jsm(), { stream: name, durable: "worker", ackWaitMs: 10_000 });

    for (let i = 0; i < 20; i++) {
      await bus.publishDurable(subject, ShareAcceptedSchema, { sequenceNumber: i, sv2Response: Sv2Response.success }, { msgId: `m${i}` });
    }
    // A message of the wrong type must be terminated, not loop forever.
    await bus.publishDurable(subject, ShareForwardResultSchema, { reasonCode: GatewayReason.share_forward_failed });

    const handled = new Map<number, number>();
    let concurrent = 0;
    let maxConcurrent = 0;
    const consumer = await bus.consume({
      stream: name,
      consumer: "worker",
      schema: ShareAcceptedSchema,
      concurrency: 4,
      retryDelayMs: () => 50,
      handler: async (share, delivery) => {
        concurrent += 1;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await new Promise((resolve) => setTimeout(resolve, 5));
        concurrent -= 1;
        handled.set(share.sequenceNumber, (handled.get(share.sequenceNumber) ?? 0) + 1);
        if (share.sequenceNumber === 3 && delivery.redeliveryCount === 0) throw new Error("transient");
      },
    });
    const jsm = await bus.jsm();
    await waitFor(
      async () => {
        const info = await jsm.consumers.info(name, "worker");
        return handled.size === 20 && info.num_pending === 0 && info.num_ack_pending === 0;
      },
      { description: "every delivery settled" },
    );
    await consumer.stop();
    // Acknowledged and terminated messages both leave the work queue.
    expect((await jsm.streams.info(name)).state.messages).toBe(0);
    expect([...handled.keys()].sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
    expect(handled.get(3)).toBe(2);
    expect([...handled.values()].filter((n) => n !== 1)).toEqual([2]);
    expect(maxConcurrent).toBeGreaterThan(1);
    expect(maxConcurrent).toBeLessThanOrEqual(4);
  });

  it("keeps a delivery in progress while its handler outlasts the ack wait (workingEveryMs): handled once, never redelivered", async () => {
    const subject = `${ns.subjectRoot}.slow`;
    const { name } = await stream("SLOW", [subject], { retention: "workqueue" });
    await ensureConsumer(await bus.jsm(), { stream: name, durable: "slow", ackWaitMs: 1_000 });
    await bus.publishDurable(subject, ShareAcceptedSchema, { sequenceNumber: 1 });
    const deliveries: number[] = [];
    const consumer = await bus.consume({
      stream: name,
      consumer: "slow",
      schema: ShareAcceptedSchema,
      workingEveryMs: 300,

      handler: async (_share, delivery) => {
        deliveries.push(delivery.redeliveryCount);
        await new Promise((resolve) => setTimeout(resolve, 2_500));
      },
    });
    const jsm = await bus.jsm();
    await waitFor(async () => (await jsm.consumers.info(name, "slow")).num_ack_pending === 0 && deliveries.length > 0, {
      description: "the slow delivery acknowledged",
    });
    await consumer.stop();
    expect(deliveries).toEqual([0]);
    expect((await jsm.consumers.info(name, "slow")).num_redelivered).toBe(0);
  });

  it("pulls no more than `prefetch` ahead: a replica busy with one delivery leaves the rest to the other", async () => {
    const subject = `${ns.subjectRoot}.shared`;
    const { name } = await stream("SHARED", [subject], { retention: "workqueue" });
    await ensureConsumer(await bus.jsm(), { stream: name, durable: "shared", ackWaitMs: 30_000 });
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const byBusy: number[] = [];
    const byIdle: number[] = [];
    const options = { stream: name, consumer: "shared", schema: ShareAcceptedSchema, prefetch: 1 } as const;
    const busy = await bus.consume({
      ...options,
      handler: async (share) => {
        byBusy.push(share.sequenceNumber);
        await released;
      },
    });
    let idle: Awaited<ReturnType<typeof bus.consume>> | undefined;
    try {
      await bus.publishDurable(subject, ShareAcceptedSchema, { sequenceNumber: 0 });
      await waitFor(() => byBusy.length === 1, { description: "the busy replica holds the first delivery" });
      idle = await bus.consume({ ...options, handler: (share) => void byIdle.push(share.sequenceNumber) });
      for (let i = 1; i <= 8; i++) await bus.publishDurable(subject, ShareAcceptedSchema, { sequenceNumber: i });
      // The busy replica may hold one more, pulled while its handler ran; the idle one takes the rest.
      await waitFor(() => byIdle.length >= 7, { description: "the idle replica handles what the busy one did not pull" });
    } finally {
      release();
    }
    await waitFor(() => byBusy.length + byIdle.length === 9, { description: "every delivery handled" });
    await Promise.all([busy.stop(), idle?.stop()]);
    expect([...byBusy, ...byIdle].sort((a, b) => a - b)).toEqual([...Array(9).keys()]);
  });
});

describe("a durable publish while the bus is down", () => {
  it("is refused at once with BusUnavailableError, and stored again once NATS is back", async () => {
    const port = await freePort();
    const store = mkdtempSync(join(tmpdir(), "gh-bus-outage-"));
    const start = () => spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", store], { stdio: "ignore" });
    let server = start();
    const own = await waitFor(
      () => Bus.connect({ servers: `nats://127.0.0.1:${port}`, name: "bus-outage-test", reconnectTimeWaitMs: 100 }).catch(() => undefined),
      { timeoutMs: 10_000, description: "private nats-server up" },
    );
    try {
      await ensureStream(await own.jsm(), { name: "OUTAGE", subjects: ["outage.>"] });
      const publish = () => own.publishDurable("outage.share", ShareAcceptedSchema, { shareId: "s" }, { timeoutMs: 5_000 });
      expect((await publish()).seq).toBe(1);

      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGKILL");
      await exited;
      await waitFor(() => !own.health().ok, { timeoutMs: 5_000, description: "the bus notices the outage" });
      await expect(publish()).rejects.toBeInstanceOf(BusUnavailableError);

      server = start();
      await waitFor(() => own.health().ok, { timeoutMs: 10_000, description: "the bus reconnects" });
      expect((await waitFor(() => publish().catch(() => undefined), { timeoutMs: 10_000, description: "stored again" })).seq).toBe(2);
    } finally {
      await own.close();
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
      rmSync(store, { recursive: true, force: true });
    }
  }, 40_000);
});
