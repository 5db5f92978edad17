// `make dev`: the whole stack on this machine, with logs prefixed per service.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { colour } from "./format.js";
import { ensureInfra } from "./infra.js";
import { planServices, SERVICES, type ServiceName } from "./stack.js";
import { Supervised } from "./supervisor.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const { values } = parseArgs({
  options: {
    "ports-offset": { type: "string", default: "0" },
    "subject-root": { type: "string", default: "gh" },
    "stream-prefix": { type: "string", default: "" },
    only: { type: "string" },
    "no-color": { type: "boolean", default: false },
    "ready-timeout": { type: "string", default: "60000" },
  },
});
const colours = !values["no-color"] && process.stdout.isTTY === true;
const out = (line: string) => process.stdout.write(`${line}\n`);
const say = (line: string) => out(`${colour("1", "[dev]".padEnd(20), colours)} ${line}`);

const selected = (values.only ? values.only.split(",") : [...SERVICES]) as ServiceName[];
for (const name of selected) {
  if (!SERVICES.includes(name)) throw new Error(`unknown service ${name}; one of ${SERVICES.join(", ")}`);
  if (!existsSync(join(root, "services", name, "dist", "main.js"))) {
    say(`services/${name} is not built: run make dev (it builds first) or make build`);
    process.exit(1);
  }
}

const startedAt = Date.now();
const infra = await ensureInfra();
for (const line of infra.started) say(`started ${line}`);
say(`NATS ${infra.natsUrl}, Redis ${infra.redisUrl}, subject root "${values["subject-root"]}", stream prefix "${values["stream-prefix"]}"`);

const plans = planServices({
  root,
  natsUrl: infra.natsUrl,
  redisUrl: infra.redisUrl,
  portsOffset: Number(values["ports-offset"]),
  subjectRoot: values["subject-root"] ?? "gh",
  streamPrefix: values["stream-prefix"] ?? "",
  services: selected,
});
const processes = plans.map((plan) => new Supervised(plan.spec, out, colours));
for (const p of processes) p.start();

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping ${processes.length} processes`);
  await Promise.all(processes.map((p) => p.stop()));
  await infra.stop();
  say("stopped");
  process.exit(0);
};
process.on("exit", () => {
  for (const p of processes) p.kill();
});
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));

async function ready(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).status === 200;
  } catch {
    return false;
  }
}

const deadline = startedAt + Number(values["ready-timeout"]);
const pending = new Set(plans.filter((p) => p.spec.readyUrl));
while (pending.size > 0 && !stopping) {
  for (const plan of [...pending]) if (await ready(plan.spec.readyUrl as string)) pending.delete(plan);
  if (pending.size === 0) break;
  if (Date.now() > deadline) {
    say(`not ready after ${values["ready-timeout"]} ms: ${[...pending].map((p) => p.spec.name).join(", ")}`);
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
}
if (pending.size === 0 && !stopping) {
  say(`all ${plans.length} services ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  for (const plan of plans) {
    const endpoints = Object.entries(plan.endpoints)
      .map(([name, addr]) => `${name} ${addr}`)
      .join("  ");
    say(`  ${plan.spec.name.padEnd(18)} ${endpoints}`);
  }
  say("watch the bus: npx gatehouse tail 'gh.>'   admin APIs: npx gatehouse grpc <service> GetStatus   Ctrl-C stops everything");
}
