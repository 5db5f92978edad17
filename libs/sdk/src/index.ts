export { GatewayClient } from "./client.js";
export * as contract from "./contract/index.js";
export type { GatewayErrorCategory } from "./errors.js";
export {
  categorize,
  GatewayConnectionError,
  GatewayError,
  GatewayTimeoutError,
  InvalidRequestError,
  WorkflowFailedError,
} from "./errors.js";
export type {
  EvidencePackage,
  GatewayClientConfig,
  PendingWorkItem,
  PendingWorkResponse,
  RequestOptions,
  WaitOptions,
  WorkEvidenceResponse,
  WorkflowError,
  WorkflowResponse,
  WorkflowState,
  WorkflowStatus,
  WorkflowType,
} from "./types.js";
export { ScoreSubmissionMode } from "./types.js";
