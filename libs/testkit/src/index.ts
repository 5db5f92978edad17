export { removeNamespace } from "./cleanup.js";
export type { TestNamespace } from "./env.js";
export { natsUrl, redisUrl, testNamespace, uniqueName } from "./env.js";
export { getJson } from "./http.js";
export type { ExitStatus, LogLine, ServiceProcessOptions } from "./process.js";
export { ServiceProcess, serviceMain } from "./process.js";
export { repoRoot, sharedDir } from "./repo.js";
export { waitFor } from "./wait.js";
