/**
 * The orchestrator's REST contract, written once: the orchestrator validates requests with these
 * schemas and derives its OpenAPI document from them; the client's wire types are their types.
 */
export { EvidencePackage, MAX_PARENTS } from "./evidence.js";
export { ADDRESS, ADDRESS_PATTERN, BASE64_ALPHABET, BYTES32, BYTES32_PATTERN, isBase64, pathText, ZERO_BYTES32 } from "./fields.js";
export { CloseEpochProgress, PROGRESS, ScoreSubmissionProgress, WorkSubmissionProgress } from "./progress.js";
export {
  CloseEpoch,
  LegacyWorkSubmission,
  MAX_EVIDENCE,
  MAX_SCORES,
  SCORE_MODES,
  type ScoreMode,
  ScoreSubmission,
  WorkSubmission,
  workSubmissionSchema,
} from "./requests.js";
export {
  API_VERSION,
  EnvelopeError,
  ErrorBody,
  envelope,
  Health,
  PendingWorkResponse,
  StudioWork,
  WORK_STATUSES,
  WORKFLOW_STATES,
  WORKFLOW_TYPES,
  WorkEvidence,
  WorkEvidenceResponse,
  Workflow,
  WorkflowError,
  WorkflowList,
  type WorkflowResponse,
  type WorkflowState,
  type WorkflowType,
  WorkItem,
  type WorkStatus,
} from "./responses.js";
