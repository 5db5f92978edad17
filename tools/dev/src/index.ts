export type { Infra } from "./infra.js";
export { ensureInfra } from "./infra.js";
export { freePort, natsWithJetStream, redisAnswers } from "./probe.js";
