import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, waitFor } from "@gatehouse/service";
import { ComponentStartError } from "./errors.js";
import { natsWithJetStream, postgresAnswers, redisAnswers } from "./probe.js";

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
  /** Undefined when no PostgreSQL could be found or started (`postgresProblem` says why). */
  postgresUrl: string | undefined;
  postgresProblem: string | undefined;
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
    failure = new ComponentStartError(command, `cannot start ${command}: ${err.message} (make deps installs it)`);
  });
  child.once("exit", cleanup);
  await waitFor(
    async () => {
      if (failure) throw failure;
      return answers();
    },
    { timeoutMs: 15_000, description: command, intervalMs: 100, onError: "fail" },
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

/** The machine's PostgreSQL as CI and the dev machines run it: loopback, trust authentication. */
export const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** No PostgreSQL answers at the URL and none could be started. */
export class PostgresUnavailableError extends Error {
  override readonly name = "PostgresUnavailableError";
}

/**
 * PostgreSQL (the orchestrator's workflow store): the one answering at `url`; otherwise, on
 * Debian, the installed cluster on that port is started with pg_ctlcluster (and left running, as
 * the system service it is).
 */
export async function ensurePostgres(url = DEFAULT_POSTGRES_URL): Promise<Server> {
  const unchanged = { url, stop: async () => {} };
  if (await postgresAnswers(url)) return { ...unchanged, started: undefined };
  const port = new URL(url).port || "5432";
  const run = promisify(execFile);
  const clusters = await run("pg_lsclusters", ["--no-header"]).then(
    (out) => out.stdout,
    () => "",
  );
  const cluster = clusters
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .find((fields) => fields[2] === port);
  if (cluster) {
    const [version, name] = cluster as [string, string];
    await run("pg_ctlcluster", [version, name, "start"]).catch(() => undefined);
    if (
      await waitFor(() => postgresAnswers(url), { timeoutMs: 15_000, description: "postgresql", intervalMs: 100, onError: "fail" }).then(
        () => true,
        () => false,
      )
    )
      return { ...unchanged, started: `postgresql cluster ${version}/${name} on port ${port} (left running)` };
  }
  throw new PostgresUnavailableError(
    `PostgreSQL does not answer at ${url.replace(/\/\/[^@]*@/, "//")}${cluster ? " and its cluster did not start" : " and no installed cluster listens on that port"}: ` +
      "start it (Debian: apt-get install postgresql; pg_ctlcluster 15 main start) or set GH_TEST_POSTGRES_URL",
  );
}

/**
 * NATS with JetStream and Redis for a dev stack or a test run: the ones already running on 4222 and
 * 6379 when they answer, otherwise `nats-server` and `redis-server` started on free loopback ports
 * (and stopped by `stop`); and PostgreSQL, found or started by ensurePostgres (its absence is
 * reported, not fatal: only the orchestrator's tests need it, and they say so).
 */
export async function ensureInfra(preferred = { natsPort: 4222, redisPort: 6379 }): Promise<Infra> {
  const nats = await ensureNats(preferred.natsPort);
  const redis = await ensureRedis(preferred.redisPort).catch(async (err: unknown) => {
    await nats.stop();
    throw err;
  });
  const postgres = await ensurePostgres(process.env.GH_TEST_POSTGRES_URL ?? DEFAULT_POSTGRES_URL).catch((err: Error) => err);
  const postgresUp = postgres instanceof Error ? undefined : postgres;
  return {
    natsUrl: nats.url,
    redisUrl: redis.url,
    postgresUrl: postgresUp?.url,
    postgresProblem: postgres instanceof Error ? postgres.message : undefined,
    started: [nats.started, redis.started, postgresUp?.started].filter((s): s is string => s !== undefined),
    stop: async () => {
      await Promise.all([nats.stop(), redis.stop()]);
    },
  };
}
