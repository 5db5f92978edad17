// `make dev`: the whole stack on this machine (see stack.ts), logs prefixed per process, a banner
// with every endpoint, and a status line from the bus. Ctrl-C stops everything.
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { repositoryRoot } from "./configs.js";
import { colour, formatLogLine } from "./format.js";
import { SERVICES, type ServiceName } from "./layout.js";
import { formatStatus, StackMonitor } from "./monitor.js";
import { DEFAULT_MINER_COUNT, defaultMiners } from "./plan.js";
import { type Stack, startStack } from "./stack.js";

const root = repositoryRoot();
const { values } = parseArgs({
  options: {
    "ports-offset": { type: "string", default: "0" },
    "subject-root": { type: "string", default: "gh" },
    "stream-prefix": { type: "string", default: "" },
    only: { type: "string" },
    miners: { type: "string", default: String(DEFAULT_MINER_COUNT) },
    "tx-interval-ms": { type: "string", default: "2000" },
    "fill-mempool-mb": { type: "string", default: "0" },
    "status-interval-s": { type: "string", default: "10" },
    "dev-dir": { type: "string", default: join(root, ".dev") },
    "no-color": { type: "boolean", default: false },
    "ready-timeout": { type: "string", default: "90000" },
    "nats-cluster": { type: "string", default: "1" },
    "stream-replicas": { type: "string" },
    "service-replicas": { type: "string", default: "1" },
  },
});
const colours = !values["no-color"] && process.stdout.isTTY === true;
const out = (line: string) => process.stdout.write(`${line}\n`);
const say = (line: string) => out(`${colour("1", "[dev]".padEnd(20), colours)} ${line}`);
const PALETTE = ["36", "35", "33", "34", "32", "96", "95", "93", "94", "92"];
const colourOf = new Map<string, string>();
const prefix = (name: string) => {
  if (!colourOf.has(name)) colourOf.set(name, PALETTE[colourOf.size % PALETTE.length] as string);
  return colour(colourOf.get(name) as string, `[${name}]`.padEnd(20), colours);
};

function fail(message: string): never {
  say(message);
  process.exit(1);
}

function count(flag: string, text: string | undefined, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > max) fail(`--${flag} must be an integer 0..${max}, got ${text}`);
  return n;
}

const services = (values.only ? values.only.split(",") : [...SERVICES]) as ServiceName[];
for (const name of services) if (!SERVICES.includes(name)) fail(`unknown service ${name}; one of ${SERVICES.join(", ")}`);
const minerCount = count("miners", values.miners, 16);
const miners = defaultMiners(minerCount);
const needed = [
  ...services.map((s) => join("services", s, "dist", "main.js")),
  join("tools", "pool-backend", "dist", "main.js"),
  join("services", "orchestrator", "dist", "tools", "deploy.js"),
  ...(minerCount > 0 ? [join("tools", "loadgen", "dist", "main.js")] : []),
];
for (const file of needed) if (!existsSync(join(root, file))) fail(`${file} is not built: run make dev (it builds first) or make build`);

let stack: Stack | undefined;
let monitor: StackMonitor | undefined;
let statusTimer: NodeJS.Timeout | undefined;
let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping`);
  clearInterval(statusTimer);
  await monitor?.close().catch(() => {});
  await stack?.stop();
  say("stopped");
  process.exit(0);
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(signal));

say("starting NATS, Redis, bcoin regtest, anvil, the pool backend, the six services and the miners…");
try {
  stack = await startStack({
    root,
    ports: { offset: count("ports-offset", values["ports-offset"], 16_000) },
    namespace: { subjectRoot: values["subject-root"] as string, streamPrefix: values["stream-prefix"] as string },
    devDir: values["dev-dir"] as string,
    fresh: true,
    natsNodes: count("nats-cluster", values["nats-cluster"], 5) || 1,
    ...(values["stream-replicas"] !== undefined ? { streamReplicas: count("stream-replicas", values["stream-replicas"], 5) || 1 } : {}),
    serviceReplicas: count("service-replicas", values["service-replicas"], 4) || 1,
    services,
    miners,
    txIntervalMs: count("tx-interval-ms", values["tx-interval-ms"], 3_600_000),
    fillMempoolBytes: count("fill-mempool-mb", values["fill-mempool-mb"], 64) * 1_000_000,
    readyTimeoutMs: count("ready-timeout", values["ready-timeout"], 3_600_000),
    onLine: (name, line) => out(`${prefix(name)} ${formatLogLine(line, colours)}`),
    onNotice: (name, message) => out(`${prefix(name)} ${colour("1", message, colours)}`),
  });
} catch (err) {
  if (stopping) await new Promise(() => {});
  fail(`could not start the stack: ${(err as Error).message}`);
}
if (stopping) await new Promise(() => {});
const s = stack as Stack;
banner(s);
monitor = await StackMonitor.connect(s.natsUrl, s.namespace.subjectRoot, (line) => out(`${prefix("blocks")} ${line}`));
const statusEveryMs = count("status-interval-s", values["status-interval-s"], 3_600) * 1_000;
if (statusEveryMs > 0) {
  statusTimer = setInterval(() => {
    const counts = monitor?.counts();
    const tx = s.txActivity.stats();
    if (counts) out(`${prefix("status")} ${formatStatus(counts)} | wallet payments ${tx.sent} (segwit ${tx.segwit}, legacy ${tx.legacy})`);
  }, statusEveryMs);
}

function banner(stack: Stack): void {
  const ep = (name: string) => (stack.names.includes(name) ? stack.endpoints(name) : {});
  const edge = ep("miner-edge");
  const rel = (file: string) => relative(process.cwd(), file) || file;
  say(`ready in ${(stack.startupMs / 1000).toFixed(1)} s`);
  if (edge.sv2) {
    say(`  SV2 miners        stratum2+tcp://${edge.sv2}  (Noise; workers dev.<anything>)`);
    say(`  authority key     ${stack.keys.authorityPublicKey}  (written to ${rel(stack.keys.authorityPublicKeyFile)})`);
  }
  if (ep("relay-gateway").jsonrpc)
    say(
      `  relay JSON-RPC    ${ep("relay-gateway").jsonrpc}  (DON of ${stack.names.filter((n) => n.startsWith("relay-node-")).length} relay nodes, F = 1)`,
    );
  if (ep("orchestrator").rest) say(`  orchestrator REST ${ep("orchestrator").rest}  (GATEWAY_URL of the SDK clients)`);
  say(`  pool backend      ${stack.plan.poolBackend.sharesUrl}  (stats ${stack.plan.poolBackend.adminUrl}/stats)`);
  say(
    `  bcoin regtest     ${stack.plan.bcoin.rpcUrl}  (RPC: any user, password ${stack.plan.bcoin.apiKey}; wallet API ${stack.plan.bcoin.walletUrl})`,
  );
  say(
    `  anvil             ${stack.plan.chain.rpcUrl}  (chain ${stack.plan.chain.chainId}; RewardsDistributor ${stack.deployment.rewardsDistributor}, StudioProxy ${stack.deployment.studioProxy})`,
  );
  if (stack.natsNames.length > 1)
    say(
      `  NATS cluster      ${stack.natsNames.join(", ")}; streams at R${stack.streamReplicas} (npx gatehouse streams -s ${stack.natsUrl})`,
    );
  say(
    `  NATS ${stack.natsUrl}  Redis ${stack.redisUrl}  subject root "${stack.namespace.subjectRoot}"  stream prefix "${stack.namespace.streamPrefix}"  ` +
      `PostgreSQL ${stack.postgresUrl.replace(/\/\/[^@]*@/, "//")} schema "${stack.namespace.postgresSchema}"`,
  );
  for (const name of stack.names) {
    const endpoints = ep(name);
    if (!endpoints.ops) continue;
    say(
      `  ${name.padEnd(18)}${Object.entries(endpoints)
        .map(([label, addr]) => `${label} ${addr}`)
        .join("  ")}`,
    );
  }
  for (const miner of miners)
    say(`  ${miner.name.padEnd(18)}tools/loadgen as ${miner.worker}.0, ${miner.rate} shares/s (each share is a regtest block)`);
  const server = stack.natsUrl === "nats://127.0.0.1:4222" ? "" : ` -s ${stack.natsUrl}`;
  const edgeGrpc = ep("miner-edge").grpc;
  const addr = edgeGrpc && edgeGrpc !== "127.0.0.1:9082" ? ` --addr ${edgeGrpc}` : "";
  say(`watch the bus:  npx gatehouse tail '${stack.namespace.subjectRoot}.>'${server}`);
  say(`admin APIs:     npx gatehouse grpc miner-edge GetStatus${addr}   (methods: npx gatehouse grpc <service>)`);
  say("Ctrl-C stops everything");
}
