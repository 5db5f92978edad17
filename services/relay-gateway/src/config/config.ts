import { isAddress } from "@gatehouse/relay";
import { hostPort, natsConfig, offLoopback, opsConfig, redisConfig, SafetyFlag, type UnsafeSetting } from "@gatehouse/service";
import { z } from "zod";
import { QUORUM_TYPES, quorumSize } from "./quorum.js";

const subjectToken = z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a single NATS subject token of [A-Za-z0-9_-]");

const member = z.strictObject({
  /** Node name: its request subject is `<root>.relay.node.<name>.request`. */
  name: subjectToken,
  /** Ethereum-style address of the node's signing key. */
  address: z
    .string()
    .refine(isAddress, "must be a 0x-prefixed 20-byte hex address")
    .transform((a) => a.toLowerCase()),
});

const don = z
  .strictObject({
    don_id: z.string().min(1).max(64).default("relay"),
    f: z.number().int().min(0).default(1),
    quorum_type: z.enum(QUORUM_TYPES).default("f_plus_one"),
    members: z.array(member).default([]),
  })
  .superRefine((value, ctx) => {
    const n = value.members.length;
    if (n < 3 * value.f + 1) {
      ctx.addIssue({
        code: "custom",
        message: `needs at least ${3 * value.f + 1} members (3F+1 where F=${value.f}), has ${n}`,
        path: ["members"],
      });
    }
    const seen = new Set<string>();
    for (const m of value.members) {
      for (const key of [`name ${m.name}`, `address ${m.address}`]) {
        if (seen.has(key)) ctx.addIssue({ code: "custom", message: `duplicate member ${key}`, path: ["members"] });
        seen.add(key);
      }
    }
    const q = quorumSize(value.quorum_type, n, value.f);
    if (n > 0 && (q < value.f + 1 || q > n)) {
      ctx.addIssue({ code: "custom", message: `quorum ${value.quorum_type} gives ${q}, outside [F+1, N]`, path: ["quorum_type"] });
    }
  })
  .prefault({});

const auth = z
  .strictObject({
    /** `tokens`: callers present a bearer token listed below; `none`: every caller is the sender "anonymous". */
    mode: z.enum(["tokens", "none"]).default("tokens"),
    tokens: z
      .array(
        z.strictObject({
          sender: z.string().min(1).max(64),
          /** Hex SHA-256 of the bearer token (the token itself is never configured). */
          token_sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex characters"),
        }),
      )
      .default([]),
  })
  .prefault({});

const rateLimit = z.strictObject({ rps: z.number().positive(), burst: z.number().int().positive() });

export const configSchema = z
  .strictObject({
    ...opsConfig({ httpAddr: "127.0.0.1:8085", grpcAddr: "127.0.0.1:9085" }),
    nats: natsConfig,
    redis: redisConfig,
    /** JSON-RPC user endpoint (POST /, GET /health). */
    rpc_addr: hostPort().default("127.0.0.1:5002"),
    /** This replica's id: responses come back on `<root>.relay.gateway.<gateway_id>.response`. */
    gateway_id: subjectToken.default("gateway-0"),
    max_request_bytes: z.number().int().positive().max(10_000_000).default(100_000),
    /** Whole-request deadline at the HTTP layer; the handler must time out first. */
    gateway_timeout_ms: z.number().int().min(1_000).default(30_000),
    /** Handler expiry; 0 means gateway_timeout_ms − 1000. Must be below gateway_timeout_ms. */
    request_timeout_ms: z.number().int().min(0).default(0),
    /** How often expired requests are swept (at most 1 s, so expiry lands within a second of its deadline). */
    sweep_interval_ms: z.number().int().min(10).max(1_000).default(1_000),
    /** Bound on each per-node send (until the node acknowledges); capped at the request timeout. */
    node_send_timeout_ms: z.number().int().positive().default(2_000),
    /** How often members are probed for /readyz; a member is reachable if it acked within 3 intervals. */
    probe_interval_ms: z.number().int().min(100).default(2_000),
    max_active_requests: z.number().int().positive().default(10_000),
    max_active_requests_per_sender: z.number().int().positive().default(2_000),
    /** Per-sender request rate (Redis token bucket, shared by every replica). */
    sender_rate_limit: rateLimit.default({ rps: 5_000, burst: 5_000 }),
    /** Inbound node responses, per node then global; over-limit responses are dropped. */
    node_rate_limit: rateLimit.default({ rps: 10_000, burst: 2_000 }),
    global_node_rate_limit: rateLimit.default({ rps: 40_000, burst: 8_000 }),
    don,
    auth,
  })
  .superRefine((c, ctx) => {
    const handlerTimeout = requestTimeoutMs(c);
    if (handlerTimeout >= c.gateway_timeout_ms) {
      ctx.addIssue({
        code: "custom",
        message: `request_timeout_ms (${handlerTimeout}) must be below gateway_timeout_ms (${c.gateway_timeout_ms}) so the handler answers first`,
        path: ["request_timeout_ms"],
      });
    }
    if (c.auth.mode === "tokens" && c.auth.tokens.length === 0) {
      ctx.addIssue({ code: "custom", message: "auth.mode tokens needs at least one [[auth.tokens]] entry", path: ["auth", "tokens"] });
    }
  });

export type Config = z.output<typeof configSchema>;

/** The handler's expiry: as configured, or one second under the gateway timeout. */
export function requestTimeoutMs(c: { request_timeout_ms: number; gateway_timeout_ms: number }): number {
  return c.request_timeout_ms || c.gateway_timeout_ms - 1_000;
}

/** Settings refused without their flag: no authentication on an endpoint reachable off this host. */
export function unsafeSettings(config: Config): UnsafeSetting[] {
  return config.auth.mode === "none"
    ? offLoopback(config.rpc_addr, SafetyFlag.openAuth, `auth.mode is none while rpc_addr ${config.rpc_addr} is not loopback`)
    : [];
}

/** How long a member counts as reachable after its last acknowledgement: three probe intervals. */
export function memberFreshMs(c: { probe_interval_ms: number }): number {
  return c.probe_interval_ms * 3;
}

/** A probe's send bound: the node send timeout, but never longer than the interval between probes. */
export function probeTimeoutMs(c: { node_send_timeout_ms: number; probe_interval_ms: number }): number {
  return Math.min(c.node_send_timeout_ms, c.probe_interval_ms);
}

/** How long shutdown lets in-flight requests finish: half the shutdown budget, at most one request's expiry. */
export function inFlightDrainMs(c: { shutdown_timeout_ms: number; request_timeout_ms: number; gateway_timeout_ms: number }): number {
  return Math.min(c.shutdown_timeout_ms / 2, requestTimeoutMs(c));
}
export type DonConfig = Config["don"];
export type DonMember = DonConfig["members"][number];
