// Runs a command with NATS (JetStream) and Redis reachable: `node tools/dev/dist/with-infra.js -- <cmd...>`.
// Exports GH_TEST_NATS_URL, GH_TEST_REDIS_URL, GH_TEST_POSTGRES_URL and GH_NATS_URL to the command,
// exits with its status.
import { spawn } from "node:child_process";
import { ensureInfra } from "./infra.js";

const separator = process.argv.indexOf("--");
const command = separator >= 0 ? process.argv.slice(separator + 1) : [];
if (command.length === 0) {
  process.stderr.write("usage: with-infra -- <command> [args...]\n");
  process.exit(2);
}

const infra = await ensureInfra();
for (const line of infra.started) process.stderr.write(`with-infra: started ${line}\n`);
if (infra.postgresProblem) process.stderr.write(`with-infra: ${infra.postgresProblem} (the orchestrator's tests will fail)\n`);
const child = spawn(command[0] as string, command.slice(1), {
  stdio: "inherit",
  env: {
    ...process.env,
    GH_TEST_NATS_URL: infra.natsUrl,
    GH_TEST_REDIS_URL: infra.redisUrl,
    GH_NATS_URL: infra.natsUrl,
    ...(infra.postgresUrl ? { GH_TEST_POSTGRES_URL: infra.postgresUrl } : {}),
  },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
const code = await new Promise<number>((resolve) => child.once("exit", (status, signal) => resolve(status ?? (signal ? 128 : 1))));
await infra.stop();
process.exit(code);
