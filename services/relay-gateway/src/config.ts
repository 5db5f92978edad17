// The service's config schema at the path every service exposes it (dist/config.js), for tools
// such as check-deploy; the schema itself lives with the DON validation in config/.
export type { Config, DonConfig, DonMember } from "./config/config.js";
export { configSchema, inFlightDrainMs, memberFreshMs, probeTimeoutMs, requestTimeoutMs, unsafeSettings } from "./config/config.js";
