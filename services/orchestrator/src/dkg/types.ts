/** One evidence package of a work thread: the REST contract's type (ChaosChain DKG 1.0.0 wire shape). */
export type { EvidencePackage } from "@gatehouse/sdk";

/**
 * 1.0.0 reproduces ChaosChain's engine (edges to parents that sort later are dropped);
 * 1.1.0 keeps every causal edge and walks the DAG in topological order.
 */
export type DkgVersion = "1.0.0" | "1.1.0";

export const DKG_VERSIONS: readonly DkgVersion[] = ["1.0.0", "1.1.0"];

export interface DkgNode {
  id: string;
  author: string;
  canonicalHash: `0x${string}`;
  vlc: `0x${string}`;
  /** Parents that became edges (sorted). */
  parents: string[];
  children: string[];
}

export interface DkgResult {
  version: DkgVersion;
  threadRoot: `0x${string}`;
  evidenceRoot: `0x${string}`;
  nodes: Map<string, DkgNode>;
  roots: string[];
  terminals: string[];
  /** Betweenness weight per author, summing to 1, or empty when no node is interior to a path. */
  weights: Map<string, number>;
}

export class DkgError extends Error {
  override readonly name = "DkgError";
}
