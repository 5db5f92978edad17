import { z } from "zod";
import { list, nonEmptyString, pathText, says } from "./fields.js";

export const MAX_PARENTS = 1_000;

/**
 * One evidence package of a work thread (ChaosChain DKG 1.0.0 wire shape). The orchestrator
 * checks the fields the DKG reads and keeps the package as sent: every other key (the optional
 * ones below included) is stored and returned unchecked.
 */
export const EvidencePackage = z.looseObject(
  {
    arweave_tx_id: nonEmptyString(),
    author: nonEmptyString(),
    timestamp: z.number({ error: says("must be a number") }),
    parent_ids: list(z.string({ error: (issue) => `${pathText((issue.path ?? []).slice(0, -1))} must contain strings` }), MAX_PARENTS),
    payload_hash: z.string({ error: says("must be a string") }),
    artifact_ids: z.array(z.unknown(), { error: says("must be an array") }),
    signature: z.string({ error: says("must be a string") }),
    event_type: z.unknown().optional().describe("A string in ChaosChain's clients; kept as sent"),
    summary: z.unknown().optional().describe("A string in ChaosChain's clients; kept as sent"),
    metadata: z.unknown().optional(),
    metrics: z.unknown().optional(),
  },
  { error: says("must be an object") },
);
export type EvidencePackage = z.infer<typeof EvidencePackage>;
