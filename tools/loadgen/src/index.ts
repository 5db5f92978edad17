export * from "./bad-shares.js";
export * from "./header.js";
export { Loadgen, type LoadgenReport, resolveAuthorityKey, type StartOptions, startLoadgen } from "./loadgen.js";
export {
  type BlockEvent,
  type ConnectionEvent,
  DEFAULT_VERSION_MASK,
  type LoadgenEvents,
  type PrevHashEvent,
  type ShareEvent,
  SimulatedMiner,
  type TargetEvent,
} from "./miner.js";
export * from "./options.js";
export { Pacer } from "./pacer.js";
export { HashScheduler, type SearchResult } from "./scheduler.js";
export { type Percentiles, percentiles, Stats } from "./stats.js";
export * from "./work.js";
