// relay-gateway end to end: JSON-RPC requests per second and p50/p99 latency through the gateway
// and N real relay-node processes over NATS (4 nodes with F = 1, 7 with F = 2), each request
// fanned out, executed, signed, verified and agreed on; beside the same run's floor: a bare NATS
// fan-out of the same bytes to N responders that reply at once, finished at F+1 replies, with no
// HTTP, no signatures and no quorum logic, once with the responders in this process and once with
// each in its own process (the hops between processes a DON cannot avoid). Both run loaded (BENCH_RELAY_IN_FLIGHT at once, where
// latency is mostly queueing behind the CPU) and then unloaded (one request at a time), and the
// CPU each process spent per request is reported, since that is what bounds throughput here.
// Then latency under load: open-loop at 25 %, 50 % and 90 % of the loaded run's rate. The enclave
// attests with development signatures, and once more (N = 4) with Nitro documents, the production
// verifier's path (libs/testkit's `nitroEnclave`).

import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { cpuUsage } from "node:process";
import { create, toBinary } from "@bufbuild/protobuf";
import { Bus } from "@gatehouse/bus";
import { RelayRequestSchema } from "@gatehouse/proto/relay/v1";
import { addressFromPrivateKey, devKey, type JsonObject, METHOD_CAPABILITY_EXECUTE, signDevAttestation } from "@gatehouse/relay";
import { type NitroEnclave, nitroEnclave, ServiceProcess } from "@gatehouse/testkit";
import { Pool } from "undici";
import { BenchError } from "../lib/errors.js";
import { startNatsPeer } from "../lib/nats-peer-process.js";
import { LOAD_FRACTIONS, paced } from "../lib/paced.js";
import { cpuSecondsOf, stopProcess } from "../lib/proc.js";
import { emit } from "../lib/report.js";
import { nowMs, percentiles } from "../lib/stats.js";

const REQUESTS = Number(process.env.BENCH_RELAY_REQUESTS ?? 10_000);
const IN_FLIGHT = Number(process.env.BENCH_RELAY_IN_FLIGHT ?? 64);
/** Requests sent first and left out of the figures: the JIT warms up and every pool connection opens. */
const WARM_UP = 200;
/** Requests sent one at a time after the loaded run: latency without queueing. */
const UNLOADED = Number(process.env.BENCH_RELAY_UNLOADED_REQUESTS ?? 300);
/** `N:F` pairs, e.g. `4:1,7:2`; empty for none. */
const donSizes = (list: string) =>
  list
    .split(",")
    .filter((pair) => pair !== "")
    .map((pair) => pair.split(":").map(Number) as [number, number]);
/** DON sizes run with development attestations (`4:1,7:2` by default). */
const DONS = donSizes(process.env.BENCH_RELAY_DONS ?? "4:1,7:2");
/** DON sizes run again with Nitro attestation documents (`4:1` by default). */
const NITRO_DONS = donSizes(process.env.BENCH_RELAY_NITRO_DONS ?? "4:1");
/** Seconds each latency-under-load step runs (25 %, 50 % and 90 % of the loaded run's rate). */
const PACED_SECONDS = Number(process.env.BENCH_RELAY_PACED_SECONDS ?? 5);
const NATS = process.env.GH_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const REDIS = process.env.GH_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const ENCLAVE = devKey("bench-enclave");

/** Processes of the shared NATS and Redis servers (their CPU includes whatever else uses them meanwhile). */
function infraPids(): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return ["nats-server", "redis-server"].includes(readFileSync(`/proc/${pid}/comm`, "utf8").trim());
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Mean of a Prometheus histogram summed over processes, from each one's /metrics. */
async function histogramMean(procs: ServiceProcess[], name: string): Promise<number> {
  let sum = 0;
  let count = 0;
  for (const proc of procs) {
    const text = await (await fetch(`${proc.endpoints.ops}/metrics`)).text();
    sum += Number(text.match(new RegExp(`^${name}_sum (\\S+)$`, "m"))?.[1] ?? 0);
    count += Number(text.match(new RegExp(`^${name}_count (\\S+)$`, "m"))?.[1] ?? 0);
  }
  return count > 0 ? sum / count : 0;
}

function cpuSecondsOfAll(pids: number[]): number {
  return pids.reduce((sum, pid) => {
    try {
      return sum + cpuSecondsOf(pid);
    } catch {
      return sum;
    }
  }, 0);
}

/** Runs `total` operations with `inFlight` at once; returns wall seconds and per-operation latency (ms). */
async function load(total: number, inFlight: number, op: (i: number) => Promise<void>): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const start = nowMs();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = nowMs();
        await op(i);
        latencies.push(nowMs() - t0);
      }
    }),
  );
  return { seconds: (nowMs() - start) / 1000, latencies };
}

/** How the enclave in the benchmark attests: `dev` signatures, or Nitro documents with their certificate chain. */
interface Attestation {
  mode: "dev" | "nitro";
  /** The nodes' `attestation` config. */
  config: JsonObject;
  attest(params: JsonObject): string;
}

const devAttestation: Attestation = {
  mode: "dev",
  config: { mode: "dev", dev_enclave_addresses: [addressFromPrivateKey(ENCLAVE)] },
  attest: (params) => signDevAttestation(ENCLAVE, METHOD_CAPABILITY_EXECUTE, params),
};

function nitroAttestation(enclave: NitroEnclave): Attestation {
  return {
    mode: "nitro",
    config: { mode: "nitro", nitro_root_pem_file: enclave.rootPemFile, nitro_trusted_pcrs: enclave.trustedPcrs },
    attest: (params) => enclave.attest(METHOD_CAPABILITY_EXECUTE, params),
  };
}

/** Pre-signed request bodies, so the load generator's own signing stays out of the measurement. */
function requests(count: number, attestation: Attestation): string[] {
  return Array.from({ length: count }, (_, i) => {
    const params: JsonObject = {
      workflow_id: "bench",
      owner: `0x${"42".repeat(20)}`,
      execution_id: randomBytes(32).toString("hex"),
      reference_id: "bench",
      capability_id: "echo",
      payload: Buffer.from(`payload-${i}`).toString("base64"),
    };
    params.attestation = attestation.attest(params);
    return JSON.stringify({ jsonrpc: "2.0", id: `bench-${i}`, method: METHOD_CAPABILITY_EXECUTE, params });
  });
}

async function relayRun(n: number, f: number, attestation: Attestation) {
  const bodies = requests(WARM_UP + REQUESTS + UNLOADED, attestation);
  const root = `benchrelay${randomBytes(4).toString("hex")}`;
  const shared = { nats: { url: NATS, subject_root: root }, redis: { url: REDIS, key_prefix: `${root}:` } };
  const nodes = Array.from({ length: n }, (_, i) => ({ name: `n${i}`, seed: `bench-node-${i}` }));
  const procs = await Promise.all(
    nodes.map((node) =>
      ServiceProcess.start({
        service: "relay-node",
        config: {
          ...shared,
          node_name: node.name,
          dev_key_seed: node.seed,
          attestation: attestation.config,
        },
      }),
    ),
  );
  const gateway = await ServiceProcess.start({
    service: "relay-gateway",
    config: {
      ...shared,
      rpc_addr: "127.0.0.1:0",
      gateway_id: "bench",
      probe_interval_ms: 200,
      auth: { mode: "none" },
      don: { f, members: nodes.map((node) => ({ name: node.name, address: addressFromPrivateKey(devKey(node.seed)) })) },
    },
  });
  const all = [gateway, ...procs];
  try {
    // Keep-alive connections, one per request in flight, so the client costs as little as it can.
    const pool = new Pool(gateway.endpoints.jsonrpc as string, { connections: IN_FLIGHT, pipelining: 1 });
    const post = async (body: string) => {
      const res = await pool.request({ path: "/", method: "POST", headers: { "content-type": "application/json" }, body });
      const text = await res.body.text();
      // Every JSON-RPC answer is HTTP 200; an error is in the body.
      if (res.statusCode !== 200 || text.includes('"error":')) throw new BenchError(`relay answered ${res.statusCode}: ${text}`);
    };
    // Bodies: the warm-up, then the loaded run, then the unloaded one; every id is used once.
    await load(WARM_UP, IN_FLIGHT, (i) => post(bodies[i] as string));
    const loaded = bodies.slice(WARM_UP, bodies.length - UNLOADED);
    const infra = infraPids();
    const cpuBefore = all.map((p) => cpuSecondsOf(p.pid));
    const infraBefore = cpuSecondsOfAll(infra);
    const clientBefore = cpuUsage();
    const { seconds, latencies } = await load(loaded.length, IN_FLIGHT, (i) => post(loaded[i] as string));
    const client = cpuUsage(clientBefore);
    const cpu = all.map((p, i) => cpuSecondsOf(p.pid) - (cpuBefore[i] ?? 0));
    const infraCpu = cpuSecondsOfAll(infra) - infraBefore;
    const unloadedBodies = bodies.slice(bodies.length - UNLOADED);
    const unloaded = await load(unloadedBodies.length, 1, (i) => post(unloadedBodies[i] as string));
    const saturation = latencies.length / seconds;
    const underLoad = [];
    for (const fraction of LOAD_FRACTIONS) {
      const rate = saturation * fraction;
      const pacedBodies = requests(Math.ceil(rate * PACED_SECONDS) + 1, attestation);
      underLoad.push({ fractionOfSaturation: fraction, ...(await paced(rate, PACED_SECONDS, (i) => post(pacedBodies[i] as string))) });
    }
    await pool.close();
    const requestsPerBatch = await histogramMean(procs, "gatehouse_relay_node_request_batch_items");
    const responsesPerSignedBatch = await histogramMean(procs, "gatehouse_relay_node_response_batch_items");
    const count = latencies.length;
    const gatewayCpu = cpu[0] ?? 0;
    const nodesCpu = cpu.slice(1).reduce((a, b) => a + b, 0);
    const perRequest = (cpuSeconds: number) => Math.round((cpuSeconds * 1e6) / count);
    return {
      nodes: n,
      f,
      attestation: attestation.mode,
      requests: count,
      perSecond: count / seconds,
      latencyMs: percentiles(latencies),
      unloadedLatencyMs: percentiles(unloaded.latencies),
      latencyUnderLoad: underLoad,
      cpuSeconds: { gateway: gatewayCpu, nodes: nodesCpu },
      cpuMicrosPerRequest: {
        total: perRequest(gatewayCpu + nodesCpu),
        gateway: perRequest(gatewayCpu),
        perNode: perRequest(nodesCpu / n),
        loadGenerator: perRequest((client.user + client.system) / 1e6),
        natsAndRedis: perRequest(infraCpu),
      },
      requestsPerBatch,
      responsesPerSignedBatch,
    };
  } finally {
    await Promise.all(all.map((p) => p.stop("SIGTERM")));
  }
}

/** Where the floor's responders run: in this process, or each in its own process as the relay's nodes do. */
type ResponderPlacement = "in-process" | "own-process";

/** Starts n responders on `<root>.node.<i>` that answer every request at once with 400 bytes. */
async function startResponders(n: number, root: string, placement: ResponderPlacement): Promise<() => Promise<void>> {
  if (placement === "in-process") {
    const responders = await Promise.all(Array.from({ length: n }, (_, i) => Bus.connect({ servers: NATS, name: `floor-node-${i}` })));
    const reply = new Uint8Array(400);
    responders.forEach((bus, i) => {
      bus.nc.subscribe(`${root}.node.${i}`, { callback: (_err, msg) => void msg.respond(reply) });
    });
    await Promise.all(responders.map((r) => r.nc.flush()));
    return async () => {
      await Promise.all(responders.map((r) => r.close()));
    };
  }
  const children = await Promise.all(Array.from({ length: n }, (_, i) => startNatsPeer(NATS, ["reply", `${root}.node.${i}`])));
  return async () => {
    await Promise.all(children.map((child) => stopProcess(child)));
  };
}

/** The floor: the same request bytes fanned out over bare NATS to n responders, done at F+1 replies. */
async function floorRun(n: number, f: number, total: number, placement: ResponderPlacement) {
  const root = `benchfloor${randomBytes(4).toString("hex")}`;
  const stopResponders = await startResponders(n, root, placement);
  const client = await Bus.connect({ servers: NATS, name: "floor-client" });
  const pending = new Map<string, { count: number; done: () => void }>();
  client.nc.subscribe(`${root}.reply.>`, {
    callback: (_err, msg) => {
      const entry = pending.get(msg.subject);
      if (!entry) return;
      entry.count += 1;
      if (entry.count === f + 1) {
        pending.delete(msg.subject);
        entry.done();
      }
    },
  });
  await client.nc.flush();
  const payload = toBinary(
    RelayRequestSchema,
    create(RelayRequestSchema, { requestKey: "k", params: Buffer.alloc(400), method: METHOD_CAPABILITY_EXECUTE }),
  );
  let sequence = 0;
  const fanOut = () => {
    const subject = `${root}.reply.${sequence++}`;
    return new Promise<void>((resolve) => {
      pending.set(subject, { count: 0, done: resolve });
      for (let node = 0; node < n; node++) client.nc.publish(`${root}.node.${node}`, payload, { reply: subject });
    });
  };
  await load(WARM_UP, IN_FLIGHT, fanOut);
  const { seconds, latencies } = await load(total, IN_FLIGHT, fanOut);
  const unloaded = await load(UNLOADED, 1, fanOut);
  await client.close();
  await stopResponders();
  return {
    nodes: n,
    f,
    requests: total,
    perSecond: total / seconds,
    latencyMs: percentiles(latencies),
    unloadedLatencyMs: percentiles(unloaded.latencies),
  };
}

type FloorFigures = Awaited<ReturnType<typeof floorRun>>;

export async function run(): Promise<void> {
  const enclave = nitroEnclave();
  try {
    const runs: [number, number, Attestation][] = [
      ...DONS.map(([n, f]): [number, number, Attestation] => [n, f, devAttestation]),
      ...NITRO_DONS.map(([n, f]): [number, number, Attestation] => [n, f, nitroAttestation(enclave)]),
    ];
    // The floors do not depend on the attestation: measured once per DON size.
    const floors = new Map<string, { floor: FloorFigures; processFloor: FloorFigures }>();
    const results = [];
    for (const [n, f, attestation] of runs) {
      const relay = await relayRun(n, f, attestation);
      const size = `${n}:${f}`;
      let measured = floors.get(size);
      if (!measured) {
        measured = { floor: await floorRun(n, f, REQUESTS, "in-process"), processFloor: await floorRun(n, f, REQUESTS, "own-process") };
        floors.set(size, measured);
      }
      const { floor, processFloor } = measured;
      results.push({
        ...relay,
        floor: {
          what: "bare NATS fan-out to N responders in this process, done at F+1 replies, same in-flight, then one at a time",
          ...floor,
        },
        processFloor: {
          what: "the same fan-out to N responders that each run in their own process, as the relay's nodes do",
          ...processFloor,
        },
        throughputRatioToFloor: floor.perSecond / relay.perSecond,
        p50RatioToFloor: relay.latencyMs.p50 / floor.latencyMs.p50,
        unloadedP50RatioToFloor: relay.unloadedLatencyMs.p50 / floor.unloadedLatencyMs.p50,
        unloadedP99RatioToFloor: relay.unloadedLatencyMs.p99 / floor.unloadedLatencyMs.p99,
        unloadedP50RatioToProcessFloor: relay.unloadedLatencyMs.p50 / processFloor.unloadedLatencyMs.p50,
      });
    }
    emit({
      benchmark: "relay",
      inFlight: IN_FLIGHT,
      what: "confidential.capability.execute (echo) via JSON-RPC over HTTP, signed node responses, F+1 quorum; each run names its attestation: dev (EIP-191 by an allowlisted key) or nitro (COSE_Sign1 ES384 documents, a root, three intermediates and the leaf)",
      note: "gateway, nodes, load generator, NATS and Redis share this machine's cores; figures are noisy. cpuMicrosPerRequest.total is gateway + nodes; natsAndRedis counts the shared servers' whole CPU meanwhile",
      runs: results,
    });
  } finally {
    enclave.remove();
  }
}
