import { contract } from "@gatehouse/sdk";
import { componentSchemas, ref } from "./openapi-components.js";

/**
 * The REST API as OpenAPI 3.1, served at /openapi.json; docs/orchestrator-openapi.json is
 * generated from it (a test keeps the two equal). The routes are written here; every body they
 * name is a component converted from the REST contract (`openapi-components.ts`).
 */
const address = { type: "string", pattern: contract.ADDRESS_PATTERN };
const bytes32 = { type: "string", pattern: contract.BYTES32_PATTERN };

/** The progress keys of each workflow type, by name (the contract's progress schemas). */
export const PROGRESS_KEYS = {
  WorkSubmission: contract.WorkSubmissionProgress.shape,
  ScoreSubmission: contract.ScoreSubmissionProgress.shape,
  CloseEpoch: contract.CloseEpochProgress.shape,
} as const;

const json = (schema: unknown) => ({ "application/json": { schema } });
const v1Error = (description: string) => ({ description, content: json(ref("EnvelopeError")) });
const errorResponse = (description: string) => ({ description, content: json(ref("Error")) });
const workflowResponse = (description: string) => ({ description, content: json(ref("Workflow")) });
const submitResponses = {
  "201": workflowResponse("Workflow created (state CREATED); it runs asynchronously"),
  "200": workflowResponse("An existing workflow with the same Idempotency-Key or natural key (header Idempotent-Replayed: true)"),
  "400": errorResponse(
    'Malformed JSON or a validation error: `{error: "<field> must …"}`; a signer_address (or admin_signer_address) the orchestrator holds no key for: `{error: "signer_address <addr> is not a signer this orchestrator holds a key for"}`',
  ),
  "401": errorResponse('API keys are configured and x-api-key is missing or wrong: `{error: "UNAUTHORIZED", message}`'),
  "403": errorResponse(
    'The API key is limited to other signers or studios: `{error: "FORBIDDEN", message: "this API key may not use signer <addr>"}` (or "… act on studio <addr>")',
  ),
  "409": errorResponse("Idempotency-Key reused with a different body (code IDEMPOTENCY_KEY_REUSED, workflow_id the key's workflow)"),
  "413": errorResponse("Body larger than api.body_limit_bytes"),
  "429": errorResponse('Write rate limit: `{error: "RATE_LIMIT_EXCEEDED"}`'),
  "503": errorResponse('Shutting down: `{error: "Gateway is shutting down", code: "SHUTTING_DOWN"}`'),
};
const writeParameters = [
  { name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", minLength: 1, maxLength: 200 } },
  { name: "x-api-key", in: "header", required: false, schema: { type: "string" } },
];

export const OPENAPI = {
  openapi: "3.1.0",
  info: {
    title: "Gatehouse orchestrator",
    version: "1.0.0",
    description: "Durable on-chain workflows, wire-compatible with the ChaosChain Gateway and its SDK clients.",
  },
  paths: {
    "/health": {
      get: {
        summary: "Liveness",
        responses: {
          "200": {
            description: "OK",
            content: json(ref("Health")),
          },
        },
      },
    },
    "/workflows/work-submission": {
      post: {
        summary: "Submit work: DKG, evidence archival, StudioProxy.submitWork, RewardsDistributor.registerWork",
        parameters: writeParameters,
        requestBody: { required: true, content: json({ oneOf: [ref("WorkSubmission"), ref("LegacyWorkSubmission")] }) },
        responses: submitResponses,
      },
    },
    "/workflows/score-submission": {
      post: {
        summary: "Submit a score (direct or commit-reveal), then register the validator",
        parameters: writeParameters,
        requestBody: { required: true, content: json(ref("ScoreSubmission")) },
        responses: submitResponses,
      },
    },
    "/workflows/close-epoch": {
      post: {
        summary: "Close an epoch (RewardsDistributor owner only); never closes the same epoch twice",
        parameters: writeParameters,
        requestBody: { required: true, content: json(ref("CloseEpoch")) },
        responses: submitResponses,
      },
    },
    "/workflows/{id}": {
      get: {
        summary: "Workflow status (never rate limited)",
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
        responses: {
          "200": workflowResponse("The workflow"),
          "404": errorResponse('Unknown or non-UUID id: `{error: "Workflow not found"}`'),
        },
      },
    },
    "/workflows/{id}/retry": {
      post: {
        summary: "Operator retry of a STALLED workflow (attempts reset, runs now)",
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }, writeParameters[1]],
        responses: {
          "200": workflowResponse("The resumed workflow"),
          "401": errorResponse("Missing or wrong x-api-key"),
          "403": errorResponse("The API key is limited to other signers or studios than the workflow's"),
          "404": errorResponse("Unknown id"),
          "409": errorResponse("Not STALLED (code NOT_STALLED)"),
          "503": errorResponse("Shutting down"),
        },
      },
    },
    "/workflows": {
      get: {
        summary: "List workflows: by studio, state=active, or type+state (oldest first, at most api.list_limit)",
        parameters: [
          { name: "studio", in: "query", schema: { type: "string" } },
          {
            name: "state",
            in: "query",
            schema: { type: "string", enum: ["active", ...contract.WORKFLOW_STATES] },
          },
          { name: "type", in: "query", schema: { type: "string", enum: contract.WORKFLOW_TYPES } },
        ],
        responses: {
          "200": { description: "Matching workflows", content: json(ref("WorkflowList")) },
          "400": errorResponse('`{error: "Query parameter required: studio, state=active, or type+state"}`'),
          "429": errorResponse("List rate limit"),
        },
      },
    },
    "/v1/studio/{address}/work": {
      get: {
        summary:
          "A studio's completed work submissions by status (the SDK's getPendingWork): pending = no completed score and the epoch not closed, scored = a completed score, finalized = the epoch closed. Oldest first.",
        parameters: [
          { name: "address", in: "path", required: true, schema: address },
          { name: "status", in: "query", schema: { type: "string", enum: contract.WORK_STATUSES, default: "pending" } },
          {
            name: "limit",
            in: "query",
            schema: { type: "integer", minimum: 1, maximum: 100, default: 20 },
            description: "Clamped to 1..100",
          },
          { name: "offset", in: "query", schema: { type: "integer", minimum: 0, default: 0 } },
        ],
        responses: {
          "200": { description: "The page", content: json(ref("PendingWorkResponse")) },
          "400": v1Error("INVALID_STUDIO_ADDRESS or INVALID_STATUS"),
          "429": errorResponse("List rate limit"),
        },
      },
    },
    "/v1/work/{hash}/evidence": {
      get: {
        summary: "The evidence graph a work submission carried (the SDK's getWorkEvidence); needs x-api-key when keys are configured",
        parameters: [{ name: "hash", in: "path", required: true, schema: bytes32 }, writeParameters[1]],
        responses: {
          "200": { description: "The evidence", content: json(ref("WorkEvidenceResponse")) },
          "400": v1Error("INVALID_WORK_ID"),
          "401": v1Error("UNAUTHORIZED: keys are configured and x-api-key is missing or wrong"),
          "403": v1Error("FORBIDDEN: the key is limited to other studios"),
          "404": v1Error("WORK_NOT_FOUND"),
          "429": errorResponse("List rate limit"),
        },
      },
    },
  },
  components: { schemas: componentSchemas() },
} as const;
