export { startAdmin } from "./admin.js";
export type { BackendStats, DeliveryRecord, Fault, PoolBackendOptions } from "./backend.js";
export { BATCH_PATH, judge, PoolBackend } from "./backend.js";
export type { HeaderFields } from "./pow.js";
export { headerBytes, meetsDifficulty, powValue, ShareFieldsError, shareIdOf, targetForDifficulty } from "./pow.js";
export type { Submission } from "./submission.js";
export { submissionSchema } from "./submission.js";
