import { insecureHttpUpstream, natsConfig, opsConfig, SafetyFlag, type UnsafeSetting } from "@gatehouse/service";
import { z } from "zod";

const SECRET_PREFIX = "whsec_";
const MIN_SECRET_BYTES = 24;

/**
 * What is wrong with the signing secrets, one line each (never echoing them). Checked at start
 * rather than in the schema, so deployment checks can validate a config whose secret arrives
 * from a Secret store at run time.
 */
export function signingSecretProblems(secrets: readonly string[]): string[] {
  return secrets.flatMap((secret, index) => {
    const name = index === 0 ? "share_upstream_secret" : `share_upstream_extra_secrets[${index - 1}]`;
    if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret)) return [`${name}: must be ${SECRET_PREFIX}<base64>`];
    if (Buffer.from(secret.slice(SECRET_PREFIX.length), "base64").length < MIN_SECRET_BYTES) {
      return [`${name}: must decode to at least ${MIN_SECRET_BYTES} bytes`];
    }
    return [];
  });
}

export const configSchema = z
  .strictObject({
    ...opsConfig({ httpAddr: "127.0.0.1:8084", grpcAddr: "127.0.0.1:9084" }),
    nats: natsConfig,
    /** Deployment mode of the gateway; drop_old is refused in inline mode. */
    mode: z.enum(["shadow", "observe", "inline"]),
    /** Pool backend endpoint the shares are POSTed to. */
    share_upstream_url: z.url({ protocol: /^https?$/ }),
    /** Signing secret (Standard Webhooks whsec_<base64>); the service refuses to start without one. */
    share_upstream_secret: z.string().min(1, "is required: the Standard Webhooks signing secret (whsec_<base64>)"),
    /** Further secrets signed with during a rotation (each request carries one signature per secret). */
    share_upstream_extra_secrets: z.array(z.string()).max(4).default([]),
    share_upstream_retries: z.number().int().min(0).max(10).default(2),
    share_upstream_submit_timeout_ms: z.number().int().positive().default(2_000),
    /** First retry delay; doubles per attempt, with equal jitter, up to the maximum. */
    share_upstream_backoff_base_ms: z.number().int().positive().default(100),
    share_upstream_backoff_max_ms: z.number().int().positive().default(5_000),
    /** Longest Retry-After honoured; a longer one is clamped to this. */
    share_upstream_retry_after_max_ms: z.number().int().positive().default(30_000),
    /** Consecutive connection errors, timeouts or 5xx after which the upstream counts as unreachable. */
    share_upstream_outage_failures: z.number().int().positive().default(5),
    /** /readyz turns false once the upstream has been unreachable this long. */
    share_upstream_unready_after_ms: z.number().int().positive().default(10_000),
    /**
     * Shares per POST: 1 (per-share mode) POSTs each share alone to share_upstream_url; more turns
     * on batch mode, where up to this many shares go in one signed POST to share_upstream_batch_path
     * and the upstream answers each share (the backend must support it).
     */
    share_upstream_batch_max_shares: z.number().int().min(1).max(1_000).default(1),
    /** Batch mode: how long a share waits for others to fill its batch before the batch goes anyway. */
    share_upstream_batch_max_wait_ms: z.number().int().min(0).max(1_000).default(5),
    /** Batch mode: the largest batch body in bytes (a batch closes before passing it). */
    share_upstream_batch_max_bytes: z
      .number()
      .int()
      .min(4_096)
      .max(16 * 1024 * 1024)
      .default(256 * 1024),
    /** Batch mode: the path, on share_upstream_url's origin, batches are POSTed to (required for batch mode). */
    share_upstream_batch_path: z
      .string()
      .regex(/^\/[^\s?#]*$/, "must be a path starting with /")
      .optional(),
    share_forward_queue_size: z.number().int().positive().default(50_000),
    share_forward_max_in_flight: z.number().int().positive().max(4_096).default(256),
    share_forward_queue_drop_policy: z.enum(["drop_new", "drop_old"]).default("drop_new"),
    /** How long a delivered share may go unacknowledged before JetStream redelivers it (after a crash). */
    share_forward_ack_wait_ms: z.number().int().min(1_000).default(30_000),
    share_dedup_window_size: z.number().int().min(0).max(1_000_000).default(10_000),
  })
  .refine((config) => config.share_upstream_batch_max_shares === 1 || config.share_upstream_batch_path !== undefined, {
    path: ["share_upstream_batch_path"],
    message: "is required when share_upstream_batch_max_shares is more than 1",
  });

export type Config = z.output<typeof configSchema>;

/** Settings that weaken a boundary, refused unless their GH_ALLOW_* flag is set. */
export function unsafeSettings(config: Config): UnsafeSetting[] {
  const settings: UnsafeSetting[] = [];
  if (config.share_forward_queue_drop_policy === "drop_old" && config.mode === "inline") {
    settings.push({
      flag: SafetyFlag.dropOldInline,
      problem: "share_forward_queue_drop_policy drop_old in inline mode drops shares the miner was told were accepted",
    });
  }
  settings.push(...insecureHttpUpstream("share_upstream_url", config.share_upstream_url));
  return settings;
}
