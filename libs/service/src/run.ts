import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { Bus, type StreamSpec } from "@gatehouse/bus";
import type { z } from "zod";
import { ConfigError, envPrefix, loadConfig, redactConfig } from "./config/load.js";
import { isAllowed, offLoopback, refusedSettings, SafetyFlag, type SafetyFlagName, type UnsafeSetting } from "./config/safety.js";
import type { NatsConfig, OpsConfig, RedisConfig } from "./config/schema.js";
import { InvariantError } from "./errors.js";
import { GrpcServer } from "./grpc/server.js";
import { OpsServer } from "./http/ops-server.js";
import { Lifecycle, type ShutdownHook, type ShutdownPhase } from "./lifecycle.js";
import { createLogger, type Logger } from "./logger.js";
import { Metrics } from "./metrics.js";
import { Readiness } from "./readiness.js";
import { createRedis, type Redis, redisHealth } from "./redis.js";
import { streamProvisioner } from "./streams.js";

export interface ServiceDefinition<C extends OpsConfig> {
  /** Service name as in docs/architecture.md (`miner-edge`); also the env prefix `GH_MINER_EDGE_`. */
  name: string;
  version?: string;
  /** The full config schema: `opsConfig(...)` keys plus the service's own. */
  config: z.ZodType<C>;
  /** Settings that weaken a security boundary and the flag that allows each. */
  unsafe?: (config: C) => UnsafeSetting[];
  /** Builds the service: connects dependencies, registers probes, routes, gRPC services, hooks. */
  start(ctx: ServiceContext<C>): Promise<void>;
}

export interface ServiceContext<C extends OpsConfig> {
  readonly name: string;
  readonly version: string;
  readonly instanceId: string;
  /** Unix milliseconds. */
  readonly startedAt: number;
  readonly config: C;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly readiness: Readiness;
  readonly ops: OpsServer;
  readonly grpc: GrpcServer;
  /** Aborted when shutdown begins. */
  readonly signal: AbortSignal;
  onShutdown(name: string, hook: ShutdownHook, phase?: ShutdownPhase): void;
  /** Whether a `*_ALLOW_*` safety flag is set. */
  allowed(flag: SafetyFlagName): boolean;
  /** Announces an endpoint in the start-up log line (`sv2`, `rest`, ...). */
  endpoint(name: string, url: string): void;
  /** Connects to NATS from `[nats]`, with a `nats` readiness probe and a drain on shutdown. */
  connectBus(): Promise<Bus>;
  /** Connects to Redis from `[redis]`, with a `redis` readiness probe and a quit on shutdown. */
  connectRedis(): Redis;
  /** Provisions streams this service owns (see streams.ts): replicas checked, never lowered. */
  ensureStreams(bus: Bus, specs: readonly StreamSpec[]): Promise<void>;
}

export interface StartOptions {
  argv?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface RunningService<C extends OpsConfig> {
  readonly context: ServiceContext<C>;
  readonly endpoints: Readonly<Record<string, string>>;
  stop(reason: string): Promise<void>;
}

/** Thrown for a configuration that must not start; `problems` has one line each. */
export { ConfigError };

const READINESS_REFRESH_MS = 1_000;

function configFile(argv: string[], env: NodeJS.ProcessEnv, service: string): { file: string | undefined; checkOnly: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: "string", short: "c" }, "check-config": { type: "boolean" } },
    allowPositionals: false,
    strict: true,
  });
  return { file: values.config ?? env[`${envPrefix(service)}CONFIG`], checkOnly: values["check-config"] ?? false };
}

/** The ops and admin listeners: off loopback, each needs the API key. */
function opsUnsafe(config: OpsConfig): UnsafeSetting[] {
  if (config.http_api_key) return [];
  return (["http_addr", "grpc_addr"] as const).flatMap((key) =>
    offLoopback(config[key], SafetyFlag.noApiKey, `${key} ${config[key]} is not loopback and http_api_key is not set`),
  );
}

/**
 * Validates configuration and safety, then builds and starts the service. Throws ConfigError for
 * an invalid or unsafe configuration. Signals are not handled here (see runService).
 */
export async function startService<C extends OpsConfig>(
  definition: ServiceDefinition<C>,
  options: StartOptions = {},
): Promise<RunningService<C>> {
  const env = options.env ?? process.env;
  const { file, checkOnly } = configFile(options.argv ?? [], env, definition.name);
  const config = loadConfig(definition.config, { service: definition.name, file, env });
  const refused = refusedSettings([...opsUnsafe(config), ...(definition.unsafe?.(config) ?? [])], env);
  if (refused.length > 0) throw new ConfigError(refused);
  if (checkOnly) throw new ConfigError([]);
  if (Boolean(config.http_tls_cert_file) !== Boolean(config.http_tls_key_file)) {
    throw new ConfigError(["http_tls_cert_file and http_tls_key_file must be set together"]);
  }

  const instanceId = config.instance_id || `${hostname()}-${process.pid}`;
  const version = definition.version ?? "0.1.0";
  const logger = createLogger({ service: definition.name, instanceId, level: config.log_level });
  const metrics = new Metrics(definition.name);
  const readiness = new Readiness();
  const lifecycle = new Lifecycle(logger);
  const ops = new OpsServer({
    addr: config.http_addr,
    apiKey: config.http_api_key,
    tlsCertFile: config.http_tls_cert_file,
    tlsKeyFile: config.http_tls_key_file,
    probesPublic: config.http_probes_public,
    logger,
    metrics,
    readiness,
  });
  const grpc = new GrpcServer({ addr: config.grpc_addr, apiKey: config.http_api_key, logger });
  const endpoints: Record<string, string> = {};
  const provisioner = streamProvisioner(logger, metrics);
  const startedAt = Date.now();

  metrics.gauge("build_info", "Build information", ["version"]).set({ version }, 1);
  metrics.gauge("start_time_seconds", "Unix time the service started").set(startedAt / 1000);
  metrics.gauge("ready", "1 when /readyz would answer 200", [], async function () {
    this.set((await readiness.evaluate()).ready ? 1 : 0);
  });

  const context: ServiceContext<C> = {
    name: definition.name,
    version,
    instanceId,
    startedAt,
    config,
    logger,
    metrics,
    readiness,
    ops,
    grpc,
    signal: lifecycle.signal,
    onShutdown: (name, hook, phase) => lifecycle.onShutdown(name, hook, phase),
    allowed: (flag) => isAllowed(flag, env),
    endpoint: (name, url) => {
      endpoints[name] = url;
    },
    connectBus: async () => {
      const nats = (config as unknown as { nats?: NatsConfig }).nats;
      if (!nats) throw new InvariantError(`${definition.name} has no [nats] config section`);
      const bus = await Bus.connect({
        servers: nats.url.split(",").map((s) => s.trim()),
        name: `${definition.name}/${instanceId}`,
        subjectRoot: nats.subject_root,
        logger,
        waitOnFirstConnect: true,
        ...(nats.user ? { user: nats.user, pass: nats.password } : {}),
        ...(nats.token ? { token: nats.token } : {}),
      });
      readiness.add("nats", () => bus.health());
      lifecycle.onShutdown("nats", () => bus.drain(), "close");
      return bus;
    },
    ensureStreams: (bus, specs) => provisioner.ensureStreams(bus, specs),
    connectRedis: () => {
      const redisConfig = (config as unknown as { redis?: RedisConfig }).redis;
      if (!redisConfig) throw new InvariantError(`${definition.name} has no [redis] config section`);
      const client = createRedis(redisConfig, logger, `${definition.name}/${instanceId}`);
      readiness.add("redis", () => redisHealth(client));
      lifecycle.onShutdown("redis", async () => {
        await client.quit().catch(() => client.disconnect());
      });
      return client;
    },
  };

  logger.info({ config: redactConfig(config) }, "starting");
  const opsAddress = await ops.listen();
  endpoints.ops = ops.url;
  lifecycle.onShutdown("readiness", () => readiness.markStopping(), "intake");
  lifecycle.onShutdown("ops-http", () => ops.close(), "close");

  try {
    await definition.start(context);
    endpoints.grpc = await grpc.start();
  } catch (err) {
    await lifecycle.shutdown("start-up failed");
    throw err;
  }
  lifecycle.onShutdown("grpc", () => grpc.stop(Math.min(2_000, config.shutdown_timeout_ms / 2)), "intake");
  readiness.markStarted();

  const refresh = async () => grpc.setServing((await readiness.evaluate()).ready);
  await refresh();
  const timer = setInterval(() => void refresh(), READINESS_REFRESH_MS);
  timer.unref();
  lifecycle.onShutdown("readiness-refresh", () => clearInterval(timer), "intake");

  logger.info({ endpoints, opsPort: opsAddress.port, startupMs: Date.now() - startedAt }, "service started");
  return {
    context,
    endpoints,
    stop: (reason) => lifecycle.shutdown(reason),
  };
}

/**
 * The process entry point of a service: starts it, exits 78 on bad configuration (one line per
 * problem on stderr), and on SIGTERM/SIGINT stops intake, drains and exits 0 within
 * `shutdown_timeout_ms` (1 if the deadline passes, 130 on a second signal).
 */
export function runService<C extends OpsConfig>(definition: ServiceDefinition<C>): void {
  const main = async () => {
    let running: RunningService<C>;
    try {
      running = await startService(definition, { argv: process.argv.slice(2) });
    } catch (err) {
      if (err instanceof ConfigError) {
        if (err.problems.length === 0) {
          process.stdout.write(`${definition.name}: configuration ok\n`);
          process.exit(0);
        }
        for (const line of err.problems) process.stderr.write(`${definition.name}: ${line}\n`);
        process.exit(78);
      }
      process.stderr.write(`${definition.name}: failed to start: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    }
    const { logger, config } = running.context;
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        logger.warn({ signal }, "second signal: exiting now");
        process.exit(130);
      }
      const deadline = setTimeout(() => {
        logger.error({ timeoutMs: config.shutdown_timeout_ms }, "shutdown deadline passed");
        process.exit(1);
      }, config.shutdown_timeout_ms);
      deadline.unref();
      void running.stop(signal).then(() => {
        logger.info("stopped");
        logger.flush?.();
        process.exit(0);
      });
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    process.on("unhandledRejection", (err) => logger.error({ err }, "unhandled rejection"));
  };
  void main();
}
