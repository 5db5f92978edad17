import { MAINNET_HALVING_INTERVAL, REGTEST_HALVING_INTERVAL } from "@gatehouse/bitcoin";
import { natsConfig, opsConfig, parseHostPort } from "@gatehouse/service";
import { z } from "zod";

export const configSchema = z
  .strictObject({
    ...opsConfig({ httpAddr: "127.0.0.1:8083", grpcAddr: "127.0.0.1:9083" }),
    nats: natsConfig,
    /** Milliseconds between VerifierHeartbeat messages (the edge degrades inline mode without them). */
    verifier_heartbeat_interval_ms: z.number().int().min(50).default(15_000),
    /** Chain the node is on: sets the subsidy halving interval for the coinbase value check. */
    network: z.enum(["mainnet", "testnet", "signet", "regtest"]).default("mainnet"),
    /** Policy TOML (reloaded on SIGHUP); empty = built-in defaults. */
    policy_file: z.string().default(""),
    /** bitcoind-style JSON-RPC of the template source; empty = verify proposals from the bus only. */
    upstream_url: z.string().default(""),
    upstream_rpc_user: z.string().default(""),
    upstream_rpc_password: z.string().default(""),
    /** getbestblockhash fallback poll when long-poll is not answered. */
    upstream_poll_interval_ms: z.number().int().min(100).default(3_000),
    upstream_rpc_timeout_ms: z.number().int().min(100).default(5_000),
    /**
     * submitblock alone: the node validates the whole block before it answers (seconds for a full
     * block on a slow or busy node). The found block's delivery is kept in progress meanwhile, so a
     * slow answer is not redelivered to another replica while it is still awaited.
     */
    upstream_submit_timeout_ms: z.number().int().min(100).max(29_000).default(25_000),
    /**
     * One read of a template's transactions from the object store gives up after this. A mainnet
     * template reads in tens of milliseconds; a read whose NATS node went away mid-way waits for
     * chunks that never come, and would hold the found block the BLOCKS consumer works on (its
     * delivery kept in progress while handled), and the block behind it. A found block whose read
     * gave up is delivered again after its retry backoff (250 ms first), and the new read finds
     * the stream's new leader.
     */
    transactions_read_timeout_ms: z.number().int().min(100).max(25_000).default(5_000),
    /**
     * How long one getblocktemplate long-poll may hang. Bitcoin Core answers a mempool change only
     * after at least 60 s (its one-minute check, then every 10 s; src/rpc/mining.cpp), so anything
     * at or below 60 s aborts every mempool-driven answer; 90 s takes the first or second check.
     */
    upstream_longpoll_timeout_ms: z.number().int().min(1_000).default(90_000),
    /** No successful exchange with the source for this long → source unhealthy, not ready. */
    upstream_stale_max_ms: z.number().int().min(1_000).default(30_000),
    /** Pool payout scriptPubKey (hex) for the coinbase of source templates. */
    payout_script: z
      .string()
      .regex(/^(?:[0-9a-fA-F]{2}){1,10000}$/, "must be a hex scriptPubKey")
      .or(z.literal(""))
      .default(""),
    /** SV2 Template Provider (host:port) for the Template Distribution Protocol; empty = none. */
    tdp_addr: z.string().default(""),
    /** The TP's authority key (base58check); its certificate is always checked. */
    tdp_authority_public_key: z.string().default(""),
    tdp_coinbase_output_max_additional_size: z.number().int().min(0).max(0xffffffff).default(100),
    tdp_coinbase_output_max_additional_sigops: z.number().int().min(0).max(0xffff).default(4),
    tdp_reconnect_delay_ms: z.number().int().min(100).default(2_000),
    /** How long a block submitted through the TP waits for the TP to announce it as the new tip. */
    tdp_block_confirm_timeout_ms: z.number().int().min(100).default(10_000),
    mempool_poll_interval_ms: z.number().int().min(100).default(10_000),
    mempool_stale_after_ms: z.number().int().min(100).default(20_000),
    mempool_degraded_after_ms: z.number().int().min(100).default(60_000),
    /** Not ready without a successful mempool poll this recent. */
    ready_mempool_max_age_ms: z.number().int().min(100).default(30_000),
    /** Verdicts kept in memory for /verdicts. */
    verdict_log_size: z.number().int().min(1).max(100_000).default(1_000),
  })
  .superRefine((c, issue) => {
    if (c.upstream_url) {
      const protocol = URL.canParse(c.upstream_url) ? new URL(c.upstream_url).protocol : "";
      if (protocol !== "http:" && protocol !== "https:") {
        issue.addIssue({ code: "custom", path: ["upstream_url"], message: "must be an http(s) URL" });
      }
    }
    if (c.tdp_addr) {
      try {
        parseHostPort(c.tdp_addr);
      } catch {
        issue.addIssue({ code: "custom", path: ["tdp_addr"], message: "must be host:port" });
      }
      if (!c.tdp_authority_public_key)
        issue.addIssue({ code: "custom", path: ["tdp_authority_public_key"], message: "is required when tdp_addr is set" });
    }
    if ((c.upstream_url || c.tdp_addr) && !c.payout_script) {
      issue.addIssue({ code: "custom", path: ["payout_script"], message: "is required with a template source (upstream_url or tdp_addr)" });
    }
    if (c.mempool_stale_after_ms > c.mempool_degraded_after_ms) {
      issue.addIssue({ code: "custom", path: ["mempool_stale_after_ms"], message: "must not exceed mempool_degraded_after_ms" });
    }
  });

export type Config = z.output<typeof configSchema>;

export function halvingInterval(network: Config["network"]): number {
  return network === "regtest" ? REGTEST_HALVING_INTERVAL : MAINNET_HALVING_INTERVAL;
}
