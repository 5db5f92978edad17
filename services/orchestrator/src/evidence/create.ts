import type { Logger } from "@gatehouse/service";
import type { Config } from "../config.js";
import { ArweaveEvidenceStore, type EvidenceOperation } from "./arweave-store.js";
import { loadArweaveWallet } from "./arweave-wallet.js";
import { LocalEvidenceStore } from "./local-store.js";
import type { EvidenceStore } from "./store.js";

/** The store `[evidence] store` selects. */
export async function createEvidenceStore(
  config: Config["evidence"],
  options: { logger: Logger; onOperation?: (operation: EvidenceOperation, outcome: string) => void },
): Promise<EvidenceStore> {
  if (config.store === "local") return new LocalEvidenceStore(config.dir);
  const { arweave } = config;
  const store = await ArweaveEvidenceStore.create({
    gatewayUrl: arweave.gateway_url,
    wallet: await loadArweaveWallet(arweave.wallet_file),
    minConfirmations: arweave.min_confirmations,
    pollIntervalMs: arweave.poll_interval_ms,
    requestTimeoutMs: arweave.request_timeout_ms,
    logger: options.logger,
    ...(options.onOperation ? { onOperation: options.onOperation } : {}),
  });
  options.logger.info(
    { gateway: store.gateway, address: store.address, minConfirmations: arweave.min_confirmations },
    "evidence archived on Arweave",
  );
  return store;
}
