import { createHash } from "node:crypto";

export const DEV_KEY_DOMAIN = "gatehouse.relay.dev-key:";

/**
 * A deterministic secp256k1 key for development stacks: sha256("gatehouse.relay.dev-key:" + seed).
 * Every dev stack derives the same node and enclave keys from the seeds in config/dev.toml, so the
 * gateway's member list and the nodes agree without generating files. Never for production.
 */
export function devKey(seed: string): Uint8Array {
  return Uint8Array.from(
    createHash("sha256")
      .update(DEV_KEY_DOMAIN + seed)
      .digest(),
  );
}
