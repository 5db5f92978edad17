import { fromHex } from "@gatehouse/bitcoin";
import { type Logger, parseHostPort } from "@gatehouse/service";
import type { Config } from "../config.js";
import { BitcoindSource } from "./bitcoind.js";
import type { SourcedTemplate } from "./proposal.js";
import { JsonRpcClient } from "./rpc-client.js";
import type { TemplateSource } from "./source.js";
import { Sv2TdpSource } from "./sv2-tdp.js";

export interface ConfiguredSource {
  source: TemplateSource;
  /** Where it connects, without credentials, for the start-up log. */
  endpoint: string;
}

/** The template source adapters the configuration asks for (none: the verifier only decides bus proposals). */
export function createSources(
  config: Config,
  deps: { instanceId: string; logger: Logger; onProposal: (t: SourcedTemplate) => Promise<void> },
): ConfiguredSource[] {
  const out: ConfiguredSource[] = [];
  if (config.upstream_url) {
    const rpc = new JsonRpcClient({
      url: config.upstream_url,
      user: config.upstream_rpc_user,
      password: config.upstream_rpc_password,
      timeoutMs: config.upstream_rpc_timeout_ms,
    });
    const source = new BitcoindSource({
      rpc,
      sourceInstanceId: deps.instanceId,
      payoutScript: fromHex(config.payout_script),
      pollIntervalMs: config.upstream_poll_interval_ms,
      longPollTimeoutMs: config.upstream_longpoll_timeout_ms,
      submitTimeoutMs: config.upstream_submit_timeout_ms,
      logger: deps.logger,
      onProposal: deps.onProposal,
    });
    out.push({ source, endpoint: rpc.endpoint });
  }
  if (config.tdp_addr) {
    const { host, port } = parseHostPort(config.tdp_addr);
    const source = new Sv2TdpSource({
      host,
      port,
      authorityPublicKey: config.tdp_authority_public_key,
      sourceInstanceId: deps.instanceId,
      payoutScript: fromHex(config.payout_script),
      coinbaseOutputMaxAdditionalSize: config.tdp_coinbase_output_max_additional_size,
      coinbaseOutputMaxAdditionalSigops: config.tdp_coinbase_output_max_additional_sigops,
      reconnectDelayMs: config.tdp_reconnect_delay_ms,
      blockConfirmTimeoutMs: config.tdp_block_confirm_timeout_ms,
      logger: deps.logger,
      onProposal: deps.onProposal,
    });
    out.push({ source, endpoint: `sv2-tdp://${config.tdp_addr}` });
  }
  return out;
}
