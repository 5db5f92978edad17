import { hostPort, natsConfig, opsConfig, redisConfig, SafetyFlag, type UnsafeSetting } from "@gatehouse/service";
import { z } from "zod";
import type { AuthPolicy } from "./protocol/auth.js";

const ms = (fallback: number) => z.number().int().positive().default(fallback);

/** BIP320 general-purpose version bits, ReserveGrid OS's default (Bitaxe rolls exactly these). */
export const BIP320_VERSION_MASK = 0x1fffe000;

const auth = z
  .strictObject({
    /** allowlist | prefix_map | open (open needs GH_GATEWAY_ALLOW_OPEN_AUTH). */
    mode: z.enum(["allowlist", "prefix_map", "open"]).default("allowlist"),
    allowlist: z.array(z.string().min(1)).max(100_000).default([]),
    /** Worker identity prefix → pool account id. */
    prefix_map: z.record(z.string().min(1), z.string()).default({}),
  })
  .prefault({});

export const configSchema = z
  .strictObject({
    ...opsConfig({ httpAddr: "127.0.0.1:8082", grpcAddr: "127.0.0.1:9082" }),
    nats: natsConfig,
    redis: redisConfig,
    /**
     * shadow accepts no miners (verdicts are only logged); observe serves every template; inline
     * serves only verified ones. Defaults to shadow, the mode that cannot affect miners.
     */
    mode: z.enum(["shadow", "observe", "inline"]).default("shadow"),
    listen_addr: hostPort().default("0.0.0.0:3333"),
    /**
     * noise (SV2's Noise NX, the only safe choice) or plaintext: unencrypted and unauthenticated,
     * refused at start unless GH_ALLOW_PLAINTEXT (alias VELDRA_ALLOW_PLAINTEXT) is set.
     */
    transport: z.enum(["noise", "plaintext"]).default("noise"),
    /** ReserveGrid OS's template-source settings; templates arrive on the bus, so these only describe it. */
    upstream_failure_policy: z.enum(["fail_closed", "fail_open"]).default("fail_closed"),
    /** Server identity JSON from `gatehouse keys server`: Noise static key and its certificate. */
    noise_key_file: z.string().default(""),
    /** Kept for ReserveGrid OS's key set: empty or the same file as noise_key_file, which holds the certificate. */
    noise_cert_file: z.string().default(""),
    /** File with the base58check authority public key; the certificate must be signed by it. */
    authority_public_key_file: z.string().default(""),
    handshake_timeout_ms: ms(10_000),
    /** After the handshake (or the TCP accept, in plaintext), SetupConnection must arrive within this (setup_connection_timeout). */
    setup_timeout_ms: ms(10_000),
    /** After the handshake (or the TCP accept), a channel must be open within this (channel_open_timeout). */
    channel_open_timeout_ms: ms(30_000),
    /** A frame begun must be complete within this (frame_timeout): a byte now and then cannot hold a connection open. */
    frame_timeout_ms: ms(5_000),
    /** A connection with no traffic either way for this long is closed. */
    idle_timeout_ms: ms(300_000),
    /** Largest accepted frame payload; Bitaxe itself refuses frames over 8 KiB. */
    max_frame_bytes: z.number().int().min(256).max(0xffffff).default(8192),
    rate_limit_messages_per_sec: z.number().positive().default(200),
    rate_limit_bytes_per_sec: z.number().positive().default(65_536),
    /** New connections per source IP per second, counted across replicas in Redis. */
    connection_rate_limit_per_ip: z.number().int().positive().default(20),
    max_connections: z.number().int().positive().default(20_000),
    /**
     * Open connections per source IP, counted across replicas in Redis and, on its own, by each
     * replica (ip_connection_limit_exceeded). Miners of one farm often share an address.
     */
    max_connections_per_ip: z.number().int().positive().default(1000),
    /** How long a replica's per-IP counts last in Redis unrenewed: a crashed replica's stop counting after this. */
    connection_lease_ms: z.number().int().min(3000).default(30_000),
    /** Bytes queued for sending to one miner before it is dropped as too slow. */
    send_buffer_bytes: z.number().int().min(4096).default(262_144),
    max_channels_per_connection: z.number().int().positive().default(16),
    /** Off: OpenExtendedMiningChannel is answered extended-channels-not-supported (extended_channel_unsupported). */
    extended_channels_enabled: z.boolean().default(false),
    /** Extranonce bytes an extended channel's miner rolls after the edge's 8-byte prefix (SRI MAX_EXTRANONCE_LEN 32 in all). */
    extended_extranonce_size: z.number().int().min(1).max(24).default(8),
    max_worker_id_bytes: z.number().int().positive().max(255).default(128),
    auth,
    initial_difficulty: z.number().positive().default(1.0),
    shares_per_minute: z.number().positive().default(6.0),
    vardiff_interval_ms: ms(60_000),
    version_rolling_mask: z.number().int().min(0).max(0xffffffff).default(BIP320_VERSION_MASK),
    /** Upper bound on ntime above the tip's minimum (SRI: 7200 s). */
    max_ntime_offset_seconds: z.number().int().positive().default(7200),
    share_dedup_window_size: z.number().int().positive().default(10_000),
    max_shares_per_second_per_channel: z.number().positive().default(100),
    /** Accepted shares per SubmitShares.Success (1 = acknowledge each share). */
    share_batch_size: z.number().int().positive().max(1000).default(1),
    share_forward_queue_drop_policy: z.enum(["drop_new", "drop_old"]).default("drop_new"),
    prevhash_verdict_timeout_ms: ms(50),
    prevhash_stale_hold_ms: ms(5000),
    upstream_stale_max_ms: ms(30_000),
    template_cache_size: z.number().int().positive().max(10_000).default(64),
    max_future_templates: z.number().int().positive().default(2),
    auto_degrade_after_ms: ms(10_000),
    fee_tier: z.string().default(""),
    /** Recent EdgeEvents kept for /gateway/events. */
    event_buffer_size: z.number().int().positive().max(100_000).default(2000),
  })
  .superRefine((config, issue) => {
    if (config.prevhash_verdict_timeout_ms >= config.prevhash_stale_hold_ms) {
      issue.addIssue({ code: "custom", path: ["prevhash_verdict_timeout_ms"], message: "must be below prevhash_stale_hold_ms" });
    }
    if (config.setup_timeout_ms > config.channel_open_timeout_ms) {
      issue.addIssue({ code: "custom", path: ["setup_timeout_ms"], message: "must not exceed channel_open_timeout_ms" });
    }
    if (config.prevhash_stale_hold_ms >= config.upstream_stale_max_ms) {
      issue.addIssue({ code: "custom", path: ["prevhash_stale_hold_ms"], message: "must be below upstream_stale_max_ms" });
    }
    // Serving miners over Noise needs the server identity; plaintext (when allowed) has none.
    const noise = config.mode !== "shadow" && config.transport === "noise";
    if (noise && !config.noise_key_file) {
      issue.addIssue({
        code: "custom",
        path: ["noise_key_file"],
        message: `is required in mode ${config.mode} (create one with \`gatehouse keys server\`)`,
      });
    }
    if (noise && !config.authority_public_key_file) {
      issue.addIssue({ code: "custom", path: ["authority_public_key_file"], message: `is required in mode ${config.mode}` });
    }
  });

export type Config = z.output<typeof configSchema>;

/** The `[auth]` table and the worker-name limit as the authorizer's policy. */
export function authPolicy(config: Config): AuthPolicy {
  return {
    mode: config.auth.mode,
    allowlist: config.auth.allowlist,
    prefixMap: config.auth.prefix_map,
    maxWorkerIdBytes: config.max_worker_id_bytes,
  };
}

export function unsafeSettings(config: Config): UnsafeSetting[] {
  const unsafe: UnsafeSetting[] = [];
  if (config.transport === "plaintext") {
    unsafe.push({ flag: SafetyFlag.plaintext, problem: "transport = plaintext serves miners without encryption or server authentication" });
  }
  if (config.auth.mode === "open") {
    unsafe.push({ flag: SafetyFlag.openAuth, problem: "auth.mode = open lets any worker identity mine" });
  }
  if (config.mode === "inline" && config.share_forward_queue_drop_policy === "drop_old") {
    unsafe.push({
      flag: SafetyFlag.dropOldInline,
      problem: "share_forward_queue_drop_policy = drop_old in inline mode breaks acknowledgement integrity",
    });
  }
  return unsafe;
}
