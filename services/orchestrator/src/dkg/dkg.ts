import { concat, type Hex, keccak256, stringToBytes } from "viem";
import { betweennessWeights } from "./betweenness.js";
import { merkleRoot } from "./merkle.js";
import { DkgError, type DkgNode, type DkgResult, type DkgVersion, type EvidencePackage } from "./types.js";

const ZERO_HASH: Hex = `0x${"00".repeat(32)}`;

/** Default `.sort()` order: UTF-16 code units. */
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** ChaosChain's evidence order: `String.prototype.localeCompare` (ICU collation, not code units). */
const byLocale = (a: EvidencePackage, b: EvidencePackage) => a.arweave_tx_id.localeCompare(b.arweave_tx_id);

export function canonicalHash(pkg: EvidencePackage): Hex {
  const parents = [...pkg.parent_ids].sort(byCodeUnit).join(",");
  return keccak256(stringToBytes(`${pkg.author}|${String(pkg.timestamp)}|${pkg.arweave_tx_id}|${pkg.payload_hash}|${parents}`));
}

/** The order nodes are added in, and which declared parents become edges. */
interface Plan {
  order: EvidencePackage[];
  keptParents(pkg: EvidencePackage, added: ReadonlySet<string>): string[];
}

/** 1.0.0: localeCompare order; a parent is an edge only if it was already added (sorts earlier). */
function planV100(evidence: readonly EvidencePackage[]): Plan {
  return {
    order: [...evidence].sort(byLocale),
    keptParents: (pkg, added) => [...pkg.parent_ids].sort(byCodeUnit).filter((p) => added.has(p)),
  };
}

/** 1.1.0: topological order (Kahn, ties by code units) so every causal edge to a known parent is kept. */
function planV110(evidence: readonly EvidencePackage[]): Plan {
  const byId = new Map<string, EvidencePackage>();
  for (const pkg of evidence) byId.set(pkg.arweave_tx_id, pkg);
  const pending = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const [id, pkg] of byId) {
    const parents = new Set(pkg.parent_ids.filter((p) => byId.has(p) && p !== id));
    pending.set(id, parents.size);
    for (const parent of parents) children.set(parent, [...(children.get(parent) ?? []), id]);
  }
  const ready = [...pending].filter(([, n]) => n === 0).map(([id]) => id);
  const order: EvidencePackage[] = [];
  while (ready.length > 0) {
    ready.sort(byCodeUnit);
    const id = ready.shift() as string;
    order.push(byId.get(id) as EvidencePackage);
    for (const child of children.get(id) ?? []) {
      const left = (pending.get(child) as number) - 1;
      pending.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  if (order.length !== byId.size) throw new DkgError("evidence parent_ids form a cycle");
  return {
    order,
    keptParents: (pkg, added) => [...new Set(pkg.parent_ids)].sort(byCodeUnit).filter((p) => added.has(p) && p !== pkg.arweave_tx_id),
  };
}

/**
 * Computes the DKG of a work thread: thread_root, evidence_root, VLCs and betweenness weights.
 * Pure: the same evidence always gives the same result. Roots are identical in every version.
 */
export function computeDkg(evidence: readonly EvidencePackage[], version: DkgVersion = "1.0.0"): DkgResult {
  const plan = version === "1.0.0" ? planV100(evidence) : planV110(evidence);
  const nodes = new Map<string, DkgNode>();
  for (const pkg of plan.order) {
    const parents = plan.keptParents(pkg, new Set(nodes.keys()));
    let maxParentVlc = ZERO_HASH;
    for (const parent of parents) {
      const vlc = (nodes.get(parent) as DkgNode).vlc;
      if (vlc > maxParentVlc) maxParentVlc = vlc;
    }
    const hash = canonicalHash(pkg);
    nodes.set(pkg.arweave_tx_id, {
      id: pkg.arweave_tx_id,
      author: pkg.author,
      canonicalHash: hash,
      vlc: keccak256(concat([hash, maxParentVlc])),
      parents,
      children: [],
    });
    for (const parent of parents) (nodes.get(parent) as DkgNode).children.push(pkg.arweave_tx_id);
  }
  const ids = [...nodes.keys()].sort(byCodeUnit);
  const roots = ids.filter((id) => (nodes.get(id) as DkgNode).parents.length === 0);
  const terminals = ids.filter((id) => (nodes.get(id) as DkgNode).children.length === 0);
  const authorKey = version === "1.0.0" ? (a: string) => a : (a: string) => a.toLowerCase();
  return {
    version,
    threadRoot: merkleRoot(ids.map((id) => (nodes.get(id) as DkgNode).canonicalHash)),
    evidenceRoot: merkleRoot([...evidence].sort(byLocale).map((pkg) => keccak256(stringToBytes(pkg.arweave_tx_id)))),
    nodes,
    roots,
    terminals,
    weights: betweennessWeights(nodes, roots, terminals, authorKey),
  };
}
