// Orchestrator end to end against anvil with automine: work submissions (each submitWork +
// registerWork, 2 transactions from 2 signers) completed per second through the REST API and the
// SDK client, with the API's p50/p99 latency under that load and the orchestrator's CPU; beside
// the same run's floor: raw signed ETH transfers per second through viem to the same anvil. The CPU
// per workflow of each process on the path (orchestrator, anvil, the PostgreSQL backends serving
// the orchestrator) beside the floor's CPU per transfer says how many cores the path needs.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Bus } from "@gatehouse/bus";
import { GatewayClient } from "@gatehouse/sdk";
import { freePort, waitFor } from "@gatehouse/service";
import { profileFlags } from "@gatehouse/testkit";
import { createPublicClient, type Hex, http, keccak256, parseEther, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { cpuSecondsOf, ProcessSetCpu, serverProcessesOf, stopProcess } from "../lib/proc.js";
import { emit } from "../lib/report.js";
import { nowMs, percentiles } from "../lib/stats.js";

const WORKFLOWS = Number(process.env.BENCH_ORCH_WORKFLOWS ?? 300);
const IN_FLIGHT = Number(process.env.BENCH_ORCH_IN_FLIGHT ?? 50);
const TRANSFERS = Number(process.env.BENCH_ORCH_TRANSFERS ?? 1_000);
const POLL_MS = 25;
/** How often each simulated client asks for its workflow's status (the SDK's default is 2,000 ms). */
const CLIENT_POLL_MS = Number(process.env.BENCH_ORCH_CLIENT_POLL_MS ?? 25);
// anvil's deterministic accounts 0 (owner, registers) and 1 (worker, submits); 4 funds the floor.
const KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
] as const;
const FLOOR_KEY = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a" as const;

async function startAnvil(): Promise<{ child: ChildProcess; rpcUrl: string }> {
  const require = createRequire(import.meta.url);
  const binary = join(dirname(require.resolve("@foundry-rs/anvil-linux-amd64/package.json")), "bin", "anvil");
  const port = await freePort();
  const child = spawn(binary, ["--host", "127.0.0.1", "--port", String(port), "--silent"], { stdio: "ignore" });
  const rpcUrl = `http://127.0.0.1:${port}`;
  const client = createPublicClient({ transport: http(rpcUrl) });
  await waitFor(() => client.getChainId(), { description: "anvil", timeoutMs: 30_000, intervalMs: 50 });
  return { child, rpcUrl };
}

const NATS_URL = process.env.GH_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const REDIS_URL = process.env.GH_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
/** The store the orchestrator runs on in production; the bench's tables live in a schema of their own. */
const POSTGRES_URL = process.env.GH_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
/** How often the PostgreSQL backends serving the orchestrator are looked for and their CPU read. */
const BACKEND_SAMPLE_MS = 250;

/** Removes the run's Redis keys and its WORKFLOW_EVENTS stream. */
async function cleanUp(ns: string): Promise<void> {
  execFileSync("sh", [
    "-c",
    `redis-cli -u "$1" --scan --pattern "$2*" | xargs -r redis-cli -u "$1" del > /dev/null`,
    "sh",
    REDIS_URL,
    `${ns}:`,
  ]);
  const bus = await Bus.connect({ servers: [NATS_URL], name: "bench-orchestrator-cleanup", subjectRoot: ns });
  const jsm = await bus.jsm();
  await jsm.streams.delete(`${ns.toUpperCase()}_WORKFLOW_EVENTS`).catch(() => false);
  await bus.drain();
  execFileSync("psql", [POSTGRES_URL, "-q", "-c", `DROP SCHEMA IF EXISTS "${ns}" CASCADE`]);
}

async function startOrchestrator(
  ns: string,
  rpcUrl: string,
  rewardsDistributor: string,
  dir: string,
): Promise<{ child: ChildProcess; rest: string }> {
  const apiPort = await freePort();
  const config = join(dir, "orchestrator.toml");
  writeFileSync(
    config,
    [
      'http_addr = "127.0.0.1:0"',
      'grpc_addr = "127.0.0.1:0"',
      'log_level = "warn"',
      "[nats]",
      `url = "${NATS_URL}"`,
      `subject_root = "${ns}"`,
      `stream_prefix = "${ns.toUpperCase()}_"`,
      "[redis]",
      `url = "${REDIS_URL}"`,
      `key_prefix = "${ns}:"`,
      "[store]",
      'backend = "postgres"',
      `postgres_url = "${POSTGRES_URL}"`,
      `postgres_schema = "${ns}"`,
      "[api]",
      `addr = "127.0.0.1:${apiPort}"`,
      "writes_per_minute = 0",
      "lists_per_minute = 0",
      "[chain]",
      `rpc_url = "${rpcUrl}"`,
      `rewards_distributor_address = "${rewardsDistributor}"`,
      `signer_secrets = ["${KEYS[0]}", "${KEYS[1]}"]`,
      "confirmation_blocks = 1",
      `poll_interval_ms = ${POLL_MS}`,
      "[engine]",
      "tick_ms = 10",
      `concurrency = ${IN_FLIGHT * 2}`,
      "[evidence]",
      `dir = "${join(dir, "evidence")}"`,
    ].join("\n"),
  );
  const child = spawn(process.execPath, [...profileFlags("orchestrator"), "services/orchestrator/dist/main.js", "--config", config], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const rest = `http://127.0.0.1:${apiPort}`;
  await waitFor(async () => (await fetch(`${rest}/health`)).ok, {
    description: "orchestrator REST API",
    timeoutMs: 30_000,
    intervalMs: 50,
  });
  return { child, rest };
}

/**
 * The floor: ETH transfers signed client-side with explicit nonces, sent raw, all mined; with its
 * CPU per transfer, anvil's and this process's (signing and sending) together.
 */
async function floor(rpcUrl: string, anvilPid: number): Promise<{ transfersPerSecond: number; seconds: number; cpuMsPerTransfer: number }> {
  const cpu0 = { client: process.cpuUsage(), anvil: cpuSecondsOf(anvilPid) };
  const account = privateKeyToAccount(FLOOR_KEY);
  const client = createPublicClient({ transport: http(rpcUrl), pollingInterval: 20 });
  const chainId = await client.getChainId();
  const start = await client.getTransactionCount({ address: account.address, blockTag: "pending" });
  const block = await client.getBlock();
  const maxFeePerGas = (block.baseFeePerGas ?? 1n) * 4n + 1_000_000_000n;
  const raws = await Promise.all(
    Array.from({ length: TRANSFERS }, (_, i) =>
      account.signTransaction({
        chainId,
        type: "eip1559",
        nonce: start + i,
        to: privateKeyToAccount(KEYS[0]).address,
        value: parseEther("0.000001"),
        gas: 21_000n,
        maxFeePerGas,
        maxPriorityFeePerGas: 1_000_000_000n,
      }),
    ),
  );
  const begin = nowMs();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < raws.length) {
        const raw = raws[next++] as Hex;
        await client.sendRawTransaction({ serializedTransaction: raw });
      }
    }),
  );
  await waitFor(async () => (await client.getTransactionCount({ address: account.address })) >= start + TRANSFERS, {
    description: "floor mined",
    timeoutMs: 120_000,
    intervalMs: 50,
  });
  const seconds = (nowMs() - begin) / 1000;
  const own = process.cpuUsage(cpu0.client);
  const cpuSeconds = (own.user + own.system) / 1e6 + cpuSecondsOf(anvilPid) - cpu0.anvil;
  return { transfersPerSecond: TRANSFERS / seconds, seconds, cpuMsPerTransfer: (cpuSeconds * 1000) / TRANSFERS };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-orch-"));
  const ns = `benchorch${Date.now().toString(36)}`;
  const anvil = await startAnvil();
  let orchestrator: ChildProcess | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const deployment = JSON.parse(
      execFileSync(process.execPath, ["services/orchestrator/dist/tools/deploy.js", "--rpc-url", anvil.rpcUrl, "--agents", "2"], {
        encoding: "utf8",
      }),
    ) as { studioProxy: string; rewardsDistributor: string };
    const started = await startOrchestrator(ns, anvil.rpcUrl, deployment.rewardsDistributor, dir);
    orchestrator = started.child;
    const latencies: number[] = [];
    const timed = async <T>(call: () => Promise<T>): Promise<T> => {
      const t0 = nowMs();
      try {
        return await call();
      } finally {
        latencies.push(nowMs() - t0);
      }
    };
    const client = new GatewayClient({ baseUrl: started.rest });
    const worker = privateKeyToAccount(KEYS[1]).address;
    const roots = [keccak256(stringToHex("thread")), keccak256(stringToHex("evidence"))] as const;
    const orchestratorPid = orchestrator.pid as number;
    const anvilPid = anvil.child.pid as number;
    const postgresPort = Number(new URL(POSTGRES_URL).port || 5432);
    const backends = new ProcessSetCpu(() => serverProcessesOf(orchestratorPid, postgresPort, "postgres"));
    backends.sample();
    sampler = setInterval(() => backends.sample(), BACKEND_SAMPLE_MS);
    const cpuBefore = { orchestrator: cpuSecondsOf(orchestratorPid), anvil: cpuSecondsOf(anvilPid), clients: process.cpuUsage() };
    const begin = nowMs();
    const endToEnd: number[] = [];
    let next = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < WORKFLOWS) {
          const i = next++;
          const t0 = nowMs();
          const hash = keccak256(stringToHex(`bench-${i}`));
          const wf = await timed(() => client.submitWork(deployment.studioProxy, 1, worker, hash, roots[0], roots[1], `e${i}`, worker));
          for (;;) {
            const status = await timed(() => client.getWorkflow(wf.workflowId));
            if (status.state === "COMPLETED") break;
            if (status.state === "FAILED") {
              failed++;
              break;
            }
            await new Promise((resolve) => setTimeout(resolve, CLIENT_POLL_MS));
          }
          endToEnd.push(nowMs() - t0);
        }
      }),
    );
    const seconds = (nowMs() - begin) / 1000;
    clearInterval(sampler);
    backends.sample();
    const clients = process.cpuUsage(cpuBefore.clients);
    const cpu = {
      orchestrator: cpuSecondsOf(orchestratorPid) - cpuBefore.orchestrator,
      anvil: cpuSecondsOf(anvilPid) - cpuBefore.anvil,
      postgres: backends.cpuSeconds,
      clients: (clients.user + clients.system) / 1e6,
    };
    const pathCpu = cpu.orchestrator + cpu.anvil + cpu.postgres;
    const floorRun = await floor(anvil.rpcUrl, anvilPid);
    const workflowsPerSecond = WORKFLOWS / seconds;
    const perWorkflow = (cpuSeconds: number) => (cpuSeconds * 1000) / WORKFLOWS;
    const api = percentiles(latencies);
    const e2e = percentiles(endToEnd);
    emit({
      benchmark: "orchestrator",
      note: "anvil automine, confirmation_blocks 1, 2 signers, shared 2-core machine: figures are noisy",
      workflows: WORKFLOWS,
      inFlight: IN_FLIGHT,
      failed,
      seconds,
      workflowsPerSecond,
      transactionsPerSecond: workflowsPerSecond * 2,
      endToEndMs: { p50: e2e.p50, p99: e2e.p99, max: e2e.max },
      apiLatencyMs: { requests: latencies.length, p50: api.p50, p99: api.p99, max: api.max },
      orchestratorCpuSeconds: cpu.orchestrator,
      orchestratorCpuMsPerWorkflow: perWorkflow(cpu.orchestrator),
      cpuMsPerWorkflow: {
        orchestrator: perWorkflow(cpu.orchestrator),
        anvil: perWorkflow(cpu.anvil),
        postgres: perWorkflow(cpu.postgres),
        postgresBackends: backends.processes,
        clients: perWorkflow(cpu.clients),
      },
      pathCpuMsPerTransaction: (pathCpu * 1000) / (WORKFLOWS * 2),
      pathCores: pathCpu / seconds,
      floor: { what: "raw signed ETH transfers through viem, same anvil", transfers: TRANSFERS, ...floorRun },
      ratioTxToFloor: (workflowsPerSecond * 2) / floorRun.transfersPerSecond,
      pathCpuToFloor: (pathCpu * 1000) / (WORKFLOWS * 2) / floorRun.cpuMsPerTransfer,
    });
  } finally {
    clearInterval(sampler);
    if (orchestrator) await stopProcess(orchestrator);
    anvil.child.kill("SIGKILL");
    await cleanUp(ns);
    rmSync(dir, { recursive: true, force: true });
  }
}
