/** Tags stored with an evidence blob (ChaosChain's Arweave tags). */
export type EvidenceTags = Record<string, string>;

export type EvidenceStatus = "confirmed" | "pending" | "not_found";

/** Where evidence packages are archived; ids are what the workflow records as `arweave_tx_id`. */
export interface EvidenceStore {
  readonly kind: string;
  /** How often a pending confirmation is worth asking about; the engine's chain poll when unset. */
  readonly pollIntervalMs?: number;
  put(content: Uint8Array, tags: EvidenceTags): Promise<{ id: string; uri: string }>;
  status(id: string): Promise<EvidenceStatus>;
  get(id: string): Promise<Uint8Array | undefined>;
}

/** The tags ChaosChain attaches to a work submission's evidence. */
export function workEvidenceTags(input: { studio: string; epoch: number; dataHash: string; agent: string }): EvidenceTags {
  return {
    "Content-Type": "application/octet-stream",
    "ChaosChain-Studio": input.studio,
    "ChaosChain-Epoch": String(input.epoch),
    "ChaosChain-DataHash": input.dataHash,
    "ChaosChain-Agent": input.agent,
    "App-Name": "ChaosChain",
    "App-Version": "0.1.0",
  };
}
