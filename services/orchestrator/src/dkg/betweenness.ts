import type { DkgNode } from "./types.js";

/** Every shortest root→terminal path found by breadth-first search, children in sorted order. */
function shortestPaths(nodes: Map<string, DkgNode>, from: string, to: string): string[][] {
  const queue: string[][] = [[from]];
  const bestLength = new Map<string, number>([[from, 1]]);
  const found: string[][] = [];
  let shortest = Number.POSITIVE_INFINITY;
  for (let head = 0; head < queue.length; head++) {
    const path = queue[head] as string[];
    if (path.length > shortest) break;
    const last = path[path.length - 1] as string;
    if (last === to) {
      shortest = path.length;
      found.push(path);
      continue;
    }
    const children = [...(nodes.get(last)?.children ?? [])].sort();
    for (const child of children) {
      const length = path.length + 1;
      const seen = bestLength.get(child);
      if (seen === undefined || seen >= length) {
        bestLength.set(child, length);
        queue.push([...path, child]);
      }
    }
  }
  return found;
}

/**
 * Betweenness weights as ChaosChain computes them: each interior node of each shortest
 * (root, terminal) path gets 1/numPaths, summed per author and normalised. The accumulation
 * order (roots → terminals → paths → nodes, then Map insertion order) is kept so floats match.
 * `authorKey` maps an author to its aggregation key (identity for 1.0.0).
 */
export function betweennessWeights(
  nodes: Map<string, DkgNode>,
  roots: readonly string[],
  terminals: readonly string[],
  authorKey: (author: string) => string,
): Map<string, number> {
  const nodeScore = new Map<string, number>();
  for (const root of roots) {
    for (const terminal of terminals) {
      if (root === terminal) continue;
      const paths = shortestPaths(nodes, root, terminal);
      for (const path of paths) {
        for (const id of path.slice(1, -1)) nodeScore.set(id, (nodeScore.get(id) ?? 0) + 1 / paths.length);
      }
    }
  }
  const authorScore = new Map<string, number>();
  for (const [id, score] of nodeScore) {
    const key = authorKey((nodes.get(id) as DkgNode).author);
    authorScore.set(key, (authorScore.get(key) ?? 0) + score);
  }
  let total = 0;
  for (const score of authorScore.values()) total += score;
  const weights = new Map<string, number>();
  if (total === 0) return weights;
  for (const [author, score] of authorScore) weights.set(author, score / total);
  return weights;
}
