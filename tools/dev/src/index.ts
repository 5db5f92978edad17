export type { Deployment } from "./chain.js";
export type { Infra, Server } from "./infra.js";
export { ensureInfra, ensureNats, ensureRedis } from "./infra.js";
export type { DevKeys } from "./keys.js";
export { ensureDevKeys } from "./keys.js";
export type { StackCounts } from "./monitor.js";
export { formatStatus, StackMonitor } from "./monitor.js";
export type { NatsCluster, NatsNode, NatsNodePorts } from "./nats-cluster.js";
export { clusterUrl, jetStreamAnswers, natsClusterNodes, startNatsCluster } from "./nats-cluster.js";
export type { ComponentPlan, MinerSpec, Namespace, StackPlan } from "./plan.js";
export {
  DEFAULT_MINER_COUNT,
  DEFAULT_RELAY_NODES,
  defaultMiners,
  envName,
  planStack,
  portSlots,
  SERVICES,
  type ServiceName,
} from "./plan.js";
export { freePorts } from "./ports.js";
export { answers200, natsWithJetStream, redisAnswers } from "./probe.js";
export type { TxActivityStats, WalletName } from "./regtest.js";
export { BcoinClient, TxActivity } from "./regtest.js";
export type { Stack, StackOptions } from "./stack.js";
export { loadDevConfigs, repositoryRoot, startStack } from "./stack.js";
export type { ExitInfo } from "./supervisor.js";
export { Supervised } from "./supervisor.js";
