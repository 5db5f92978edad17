import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, natsWithJetStream, redisAnswers, until } from "./probe.js";

export interface Infra {
  natsUrl: string;
  redisUrl: string;
  /** What this run started itself (empty when the machine's servers were used). */
  started: string[];
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";

/** Starts a server and waits until `answers` says it is up; fails fast if it cannot be spawned. */
async function startDaemon(command: string, args: string[], answers: () => Promise<boolean>, cleanup: () => void): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: "ignore" });
  let failure: Error | undefined;
  child.once("error", (err) => {
    failure = new Error(`cannot start ${command}: ${err.message} (make deps installs it)`);
  });
  child.once("exit", cleanup);
  await until(
    async () => {
      if (failure) throw failure;
      return answers();
    },
    15_000,
    command,
  );
  return child;
}

/**
 * NATS with JetStream and Redis for a dev stack or a test run: the ones already running on 4222 and
 * 6379 when they answer, otherwise `nats-server` and `redis-server` started on free loopback ports
 * (and stopped by `stop`).
 */
export async function ensureInfra(preferred = { natsPort: 4222, redisPort: 6379 }): Promise<Infra> {
  const children: ChildProcess[] = [];
  const started: string[] = [];
  let natsPort = preferred.natsPort;
  let redisPort = preferred.redisPort;

  if (!(await natsWithJetStream(HOST, natsPort))) {
    natsPort = await freePort();
    const store = mkdtempSync(join(tmpdir(), "gh-nats-"));
    const port = natsPort;
    children.push(
      await startDaemon(
        "nats-server",
        ["-a", HOST, "-p", String(port), "-js", "-sd", store],
        () => natsWithJetStream(HOST, port),
        () => rmSync(store, { recursive: true, force: true }),
      ),
    );
    started.push(`nats-server on ${HOST}:${natsPort}`);
  }
  if (!(await redisAnswers(HOST, redisPort))) {
    redisPort = await freePort();
    const port = redisPort;
    children.push(
      await startDaemon(
        "redis-server",
        ["--bind", HOST, "--port", String(port), "--save", "", "--appendonly", "no"],
        () => redisAnswers(HOST, port),
        () => {},
      ),
    );
    started.push(`redis-server on ${HOST}:${redisPort}`);
  }

  return {
    natsUrl: `nats://${HOST}:${natsPort}`,
    redisUrl: `redis://${HOST}:${redisPort}`,
    started,
    stop: async () => {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once("exit", () => resolve());
              child.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}
