import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@gatehouse/service";
import { natsWithJetStream, redisAnswers, until } from "./probe.js";

/** A server this run uses: the machine's, or one it started (and stops). */
export interface Server {
  url: string;
  /** Set when this run started it. */
  started: string | undefined;
  stop(): Promise<void>;
}

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

function stopper(child: ChildProcess | undefined): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
}

/** NATS with JetStream: the one on `preferredPort` when it answers, otherwise a nats-server on a free port. */
export async function ensureNats(preferredPort = 4222): Promise<Server> {
  if (await natsWithJetStream(HOST, preferredPort))
    return { url: `nats://${HOST}:${preferredPort}`, started: undefined, stop: async () => {} };
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), "gh-nats-"));
  const child = await startDaemon(
    "nats-server",
    ["-a", HOST, "-p", String(port), "-js", "-sd", store],
    () => natsWithJetStream(HOST, port),
    () => rmSync(store, { recursive: true, force: true }),
  );
  return { url: `nats://${HOST}:${port}`, started: `nats-server on ${HOST}:${port}`, stop: stopper(child) };
}

/** Redis: the one on `preferredPort` when it answers, otherwise a redis-server on a free port. */
export async function ensureRedis(preferredPort = 6379): Promise<Server> {
  if (await redisAnswers(HOST, preferredPort)) return { url: `redis://${HOST}:${preferredPort}`, started: undefined, stop: async () => {} };
  const port = await freePort();
  const child = await startDaemon(
    "redis-server",
    ["--bind", HOST, "--port", String(port), "--save", "", "--appendonly", "no"],
    () => redisAnswers(HOST, port),
    () => {},
  );
  return { url: `redis://${HOST}:${port}`, started: `redis-server on ${HOST}:${port}`, stop: stopper(child) };
}

/**
 * NATS with JetStream and Redis for a dev stack or a test run: the ones already running on 4222 and
 * 6379 when they answer, otherwise `nats-server` and `redis-server` started on free loopback ports
 * (and stopped by `stop`).
 */
export async function ensureInfra(preferred = { natsPort: 4222, redisPort: 6379 }): Promise<Infra> {
  const nats = await ensureNats(preferred.natsPort);
  const redis = await ensureRedis(preferred.redisPort).catch(async (err: unknown) => {
    await nats.stop();
    throw err;
  });
  return {
    natsUrl: nats.url,
    redisUrl: redis.url,
    started: [nats.started, redis.started].filter((s): s is string => s !== undefined),
    stop: async () => {
      await Promise.all([nats.stop(), redis.stop()]);
    },
  };
}
