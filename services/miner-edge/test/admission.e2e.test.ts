import { once } from "node:events";
import { type Socket, connect as tcpConnect } from "node:net";
import type { Bus } from "@gatehouse/bus";
import { TemplateProposalSchema } from "@gatehouse/proto/mining/v1";
import { type AnyMessage, connectNoise, decodeAuthorityPublicKey, Protocol, type Sv2Connection } from "@gatehouse/sv2";
import { redisUrl, ServiceProcess, type TestMiner, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { EdgeTestEnv } from "./edge-env.js";
import { DIFF1_NBITS, templateFixture } from "./template-fixture.js";

const env = new EdgeTestEnv("admission");
const { ns, authority, apiKey: API_KEY } = env;

const DEADLINES = { setup_timeout_ms: 1500, channel_open_timeout_ms: 2500, frame_timeout_ms: 1500, idle_timeout_ms: 6000 };
const PER_IP = 3;

let bus: Bus;
/** Short deadlines, no practical per-IP cap. */
let deadlines: ServiceProcess;
/** Two replicas sharing one Redis prefix: at most PER_IP connections per address between them. */
let capA: ServiceProcess;
let capB: ServiceProcess;
const sockets: Socket[] = [];

function config(extra: Record<string, unknown>): Record<string, unknown> {
  return env.config({
    auth: { mode: "prefix_map", prefix_map: { "adm.": "acct-admission" } },
    connection_rate_limit_per_ip: 1000,
    ...extra,
  });
}

const sv2Port = (p: ServiceProcess) => Number(new URL(p.endpoints.sv2 as string).port);

async function metrics(p: ServiceProcess): Promise<string> {
  return (await fetch(`${p.endpoints.ops}/metrics`, { headers: { "x-api-key": API_KEY } })).text();
}

/** A Noise connection whose socket the test keeps, to write raw bytes on it. */
interface RawLink {
  socket: Socket;
  link: Sv2Connection;
  received: AnyMessage[];
  /** Date.now() when the edge closed the socket. */
  closedAt: number | undefined;
}

async function rawLink(p: ServiceProcess): Promise<RawLink> {
  const socket = tcpConnect({ host: "127.0.0.1", port: sv2Port(p) });
  sockets.push(socket);
  await once(socket, "connect");
  const link = await connectNoise(socket, { authorityPublicKey: decodeAuthorityPublicKey(authority) });
  const raw: RawLink = { socket, link, received: [], closedAt: undefined };
  socket.once("close", () => {
    raw.closedAt = Date.now();
  });
  void (async () => {
    for await (const m of link.messages()) raw.received.push(m);
  })().catch(() => undefined);
  return raw;
}

async function setUp(raw: RawLink): Promise<void> {
  await raw.link.send("SetupConnection", {
    protocol: Protocol.mining,
    minVersion: 2,
    maxVersion: 2,
    flags: 0,
    endpointHost: "",
    endpointPort: 0,
    vendor: "admission-test",
    hardwareVersion: "",
    firmware: "",
    deviceId: "",
  });
  await waitFor(() => raw.received.find((m) => m.type === "SetupConnectionSuccess"), { description: "SetupConnection.Success" });
}

async function openChannel(raw: RawLink): Promise<void> {
  await raw.link.send("OpenStandardMiningChannel", {
    requestId: 1,
    userIdentity: "adm.slow",
    nominalHashRate: 1e6,
    maxTarget: new Uint8Array(32).fill(0xff),
  });
  await waitFor(() => raw.received.find((m) => m.type === "OpenStandardMiningChannelSuccess"), { description: "the channel opened" });
}

const closedWith = (p: ServiceProcess, reason: string) =>
  waitFor(async () => (await env.events(p, `type=connection_closed&reason=${reason}`))[0], {
    description: `a connection closed with ${reason}`,
  });

/** A full miner (set up, channel open) on `p`; rejects when the edge refuses the connection. */
async function fullMiner(p: ServiceProcess, worker: string): Promise<TestMiner> {
  const m = await env.miner(p);
  await m.open(worker);
  return m;
}

beforeAll(async () => {
  bus = await env.connect(["SHARES", "BLOCKS"]);
  const start = (extra: Record<string, unknown>) =>
    ServiceProcess.start({ service: "miner-edge", config: config(extra), startTimeoutMs: 60_000 });
  const capped = { max_connections_per_ip: PER_IP, connection_lease_ms: 3000 };
  // The deadline tests' connections must not count against the capped pair: their own Redis prefix.
  const apart = { redis: { url: redisUrl(), key_prefix: `${ns.redisPrefix}deadlines:` } };
  [deadlines, capA, capB] = await Promise.all([start({ ...DEADLINES, ...apart }), start(capped), start(capped)]);
  bus.publish(
    bus.subjects.templateProposed,
    TemplateProposalSchema,
    templateFixture({ templateId: 1n, prevHash: "ad".repeat(32), nbits: DIFF1_NBITS }),
  );
  await bus.nc.flush();
}, 120_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await env.teardown([deadlines, capA, capB]);
});

describe("deadlines after the handshake", () => {
  it("a miner that set up and then trickles a byte a second is cut when its frame misses frame_timeout_ms, long before the idle timeout", async () => {
    const slow = await rawLink(deadlines);
    await setUp(slow);
    await openChannel(slow);
    const start = Date.now();
    slow.socket.write(Uint8Array.of(0));
    const trickle = setInterval(() => slow.socket.writable && slow.socket.write(Uint8Array.of(0)), 1000);
    try {
      await waitFor(() => slow.closedAt, {
        timeoutMs: DEADLINES.idle_timeout_ms,
        description: "the edge closing the trickling connection",
      });
    } finally {
      clearInterval(trickle);
    }
    expect((slow.closedAt as number) - start).toBeGreaterThanOrEqual(DEADLINES.frame_timeout_ms);
    const closed = await closedWith(deadlines, "frame_timeout");
    expect(closed.reasonDetail).toMatch(/frame_timeout_ms/);
    expect(await metrics(deadlines)).toMatch(/^gatehouse_miner_edge_deadline_closes_total\{deadline="frame"\} [1-9]/m);
  });

  it("a client that completes the handshake and sends nothing is cut at setup_timeout_ms", async () => {
    const start = Date.now();
    const silent = await rawLink(deadlines);
    await waitFor(() => silent.closedAt, { description: "the edge closing the silent connection" });
    expect((silent.closedAt as number) - start).toBeGreaterThanOrEqual(DEADLINES.setup_timeout_ms);
    await closedWith(deadlines, "setup_connection_timeout");
    expect(await metrics(deadlines)).toMatch(/^gatehouse_miner_edge_deadline_closes_total\{deadline="setup"\} [1-9]/m);
  });

  it("a client that sets up but never opens a channel is cut at channel_open_timeout_ms", async () => {
    const start = Date.now();
    const idle = await rawLink(deadlines);
    await setUp(idle);
    await waitFor(() => idle.closedAt, { description: "the edge closing the channel-less connection" });
    expect((idle.closedAt as number) - start).toBeGreaterThanOrEqual(DEADLINES.channel_open_timeout_ms);
    await closedWith(deadlines, "channel_open_timeout");
  });

  it("a miner that opened a channel in time stays connected past every deadline", async () => {
    const start = Date.now();
    const ok = await rawLink(deadlines);
    await setUp(ok);
    await openChannel(ok);
    // Wait out the longest deadline from this connection's start, watching the socket.
    await waitFor(() => Date.now() - start > DEADLINES.channel_open_timeout_ms + 500 || ok.closedAt !== undefined, {
      description: "the channel deadline passing",
    });
    expect(ok.closedAt).toBeUndefined();
  });
});

describe("open connections per address, across replicas", () => {
  it(`holds ${PER_IP} per address between two replicas: the next is refused on either until one closes`, async () => {
    const held = [await fullMiner(capA, "adm.a1"), await fullMiner(capA, "adm.a2"), await fullMiner(capB, "adm.b1")];
    await expect(fullMiner(capB, "adm.b2")).rejects.toThrow();
    await expect(fullMiner(capA, "adm.a3")).rejects.toThrow();
    const refusedB = await waitFor(async () => (await env.events(capB, "type=connection_rejected&reason=ip_connection_limit_exceeded"))[0]);
    expect(refusedB.reasonDetail).toMatch(/across replicas/);
    expect(await metrics(capA)).toMatch(/^gatehouse_miner_edge_connections_refused_total\{limit="per_ip"\} [1-9]/m);
    expect(held.every((m) => m.ended === undefined)).toBe(true);

    await (held[0] as TestMiner).close();
    // The released place is taken through the other replica.
    await waitFor(() => fullMiner(capB, "adm.b3").catch(() => undefined), { description: "a connection admitted after one closed" });
    await expect(fullMiner(capA, "adm.a4")).rejects.toThrow();
  });

  it("a replica killed with its connections open stops counting once its lease ends", async () => {
    // capB holds two of the three places.
    await capB.kill9();
    await expect(fullMiner(capA, "adm.a5")).rejects.toThrow();
    const admitted = await waitFor(() => fullMiner(capA, "adm.a6").catch(() => undefined), {
      timeoutMs: 15_000,
      description: "capB's places freed by its lease running out",
    });
    expect(admitted.ended).toBeUndefined();
  });
});
