import { MAX_STREAM_REPLICAS, STREAM_KEYS } from "@gatehouse/bus";
import { z } from "zod";
import { parseHostPort } from "../net.js";

/** A `host:port` listen or dial address. */
export const hostPort = () =>
  z.string().refine(
    (value) => {
      try {
        parseHostPort(value);
        return true;
      } catch {
        return false;
      }
    },
    { message: "must be host:port" },
  );

export const logLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace"]);

/**
 * Keys every service has: the ops HTTP server, the gRPC admin server, logging, identity and
 * shutdown. Defaults differ per service only in the two addresses.
 */
export function opsConfig(defaults: { httpAddr: string; grpcAddr: string }) {
  return {
    http_addr: hostPort().default(defaults.httpAddr),
    http_api_key: z.string().default(""),
    http_tls_cert_file: z.string().default(""),
    http_tls_key_file: z.string().default(""),
    /** Answer /healthz and /readyz without the API key (for orchestrator probes); /readyz then omits reasons. */
    http_probes_public: z.boolean().default(false),
    grpc_addr: hostPort().default(defaults.grpcAddr),
    log_level: logLevel.default("info"),
    /** Identifies this replica in events and logs; derived from the host name when empty. */
    instance_id: z.string().max(64).default(""),
    shutdown_timeout_ms: z.number().int().positive().default(10_000),
  };
}

/** The common keys as a type, for code that only needs those. */
export type OpsConfig = z.output<z.ZodObject<ReturnType<typeof opsConfig>>>;

const streamReplicas = z.number().int().min(1).max(MAX_STREAM_REPLICAS);

export const natsConfig = z
  .strictObject({
    url: z.string().default("nats://127.0.0.1:4222"),
    /** Root token of every subject (`gh`). Tests and parallel stacks use their own. */
    subject_root: z
      .string()
      .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, "must be dot-separated subject tokens")
      .default("gh"),
    /** Prefix of every JetStream stream name. */
    stream_prefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]*$/, "must be letters, digits, _ or -")
      .default(""),
    /**
     * Copies every stream this service owns keeps in the JetStream cluster (3 in production).
     * Checked against the cluster's size at start; provisioning raises a stream's replicas but
     * never lowers them.
     */
    stream_replicas: streamReplicas.default(1),
    /** Exceptions to stream_replicas by stream, e.g. `{ EDGE_EVENTS = 1 }`. */
    stream_replicas_per_stream: z.partialRecord(z.enum(STREAM_KEYS), streamReplicas).default({}),
    user: z.string().default(""),
    password: z.string().default(""),
    token: z.string().default(""),
  })
  .prefault({});
export type NatsConfig = z.output<typeof natsConfig>;

export const redisConfig = z
  .strictObject({
    url: z.string().default("redis://127.0.0.1:6379"),
    /** Prefix of every key this service writes, so stacks and tests sharing a server never collide. */
    key_prefix: z.string().default("gh:"),
    /**
     * Redis Sentinel addresses (host:port). When set, the client asks them for the current primary
     * of `sentinel_master` and follows a failover; `url` then gives only the password, user and
     * database.
     */
    sentinels: z.array(hostPort()).default([]),
    /** The primary's name as the sentinels monitor it. */
    sentinel_master: z.string().min(1).default("gatehouse"),
  })
  .prefault({});
export type RedisConfig = z.output<typeof redisConfig>;
