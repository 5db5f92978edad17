/**
 * Quorum types from libocr's quorumhelper: how many identical responses a request needs, for a
 * DON of `n` members tolerating `f` faulty ones.
 */
export const QUORUM_TYPES = ["f_plus_one", "two_f_plus_one", "byz_quorum", "n_minus_f"] as const;
export type QuorumType = (typeof QUORUM_TYPES)[number];

export function quorumSize(type: QuorumType, n: number, f: number): number {
  switch (type) {
    case "f_plus_one":
      // At least one honest response: honest nodes answer byte-identically, so F+1 equal answers include one.
      return f + 1;
    case "two_f_plus_one":
      return 2 * f + 1;
    case "byz_quorum":
      return Math.floor((n + f) / 2) + 1;
    case "n_minus_f":
      return n - f;
  }
}
