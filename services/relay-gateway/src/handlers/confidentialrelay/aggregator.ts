/** One member's response as the aggregator sees it. */
export interface Candidate {
  node: string;
  /** Digest of the whole response; undefined if it could not be decoded (it counts as received, never as a vote). */
  digest: string | undefined;
  /** Signature state; "unverified" responses are checked only when their digest is at most one vote from winning. */
  signature: "unverified" | "valid" | "invalid";
}

export type Verdict =
  | { kind: "insufficient" }
  | { kind: "quorum"; digest: string; node: string }
  | { kind: "unobtainable"; message: string };

/**
 * Digest quorum (the Chainlink confidential relay aggregator, with the tie-break of chainlink PR #21907): a digest wins once `quorum` members
 * with valid signatures returned it. When several qualify, the smallest digest wins, and within it
 * the smallest node address, so the answer does not depend on arrival order. Signatures are checked
 * through `verify` only for digests at most one vote short of winning: a response that could win with
 * the next vote is checked on arrival, while that vote is still on its way, so the response that
 * completes a quorum leaves one check on the answer's path instead of every one. Responses that
 * arrive after the answer, or whose digest stays far from winning, are never checked. Unobtainable as
 * soon as the best digest plus every response still outstanding cannot reach the quorum.
 */
export function aggregate(candidates: Candidate[], quorum: number, outstanding: number, verify: (node: string) => boolean): Verdict {
  const byDigest = new Map<string, Candidate[]>();
  for (const c of candidates) {
    if (c.digest === undefined || c.signature === "invalid") continue;
    const bucket = byDigest.get(c.digest);
    if (bucket) bucket.push(c);
    else byDigest.set(c.digest, [c]);
  }
  const digests = [...byDigest.keys()].sort();
  for (const digest of digests) {
    const bucket = (byDigest.get(digest) ?? []).sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
    if (bucket.length < quorum - 1) continue;
    let valid = 0;
    for (const c of bucket) {
      if (c.signature === "unverified") c.signature = verify(c.node) ? "valid" : "invalid";
      if (c.signature === "valid") valid += 1;
    }
    if (valid >= quorum) {
      const winner = bucket.find((c) => c.signature === "valid") as Candidate;
      return { kind: "quorum", digest, node: winner.node };
    }
  }
  let maxCount = 0;
  for (const bucket of byDigest.values()) {
    maxCount = Math.max(maxCount, bucket.filter((c) => c.signature !== "invalid").length);
  }
  if (maxCount + outstanding < quorum) {
    return {
      kind: "unobtainable",
      message: `quorum unobtainable: requiredQuorum=${quorum}, maxShaToCount=${maxCount}, remainingResponses=${outstanding}`,
    };
  }
  return { kind: "insufficient" };
}
