import { addressFromPrivateKey, devKey, parsePrivateKey } from "@gatehouse/relay";

export interface NodeIdentity {
  key: Uint8Array;
  address: string;
}

/** The node's signing key: configured, or derived from a development seed. */
export function nodeIdentity(config: { node_private_key: string; dev_key_seed: string }): NodeIdentity {
  const key = config.node_private_key ? parsePrivateKey(config.node_private_key) : devKey(config.dev_key_seed);
  return { key, address: addressFromPrivateKey(key) };
}
