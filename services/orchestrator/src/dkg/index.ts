export { TOTAL_BASIS_POINTS, toBasisPoints } from "./basis-points.js";
export { canonicalHash, computeDkg } from "./dkg.js";
export { merkleRoot } from "./merkle.js";
export type { DkgNode, DkgResult, DkgVersion, EvidencePackage } from "./types.js";
export { DKG_VERSIONS, DkgError } from "./types.js";
