import { ADDRESS_PATTERN } from "../chain/address.js";
import { BASE64_ALPHABET } from "./validation.js";

/**
 * The REST API as OpenAPI 3.1, served at /openapi.json; docs/orchestrator-openapi.json is
 * generated from it (a test keeps the two equal).
 */
const address = { type: "string", pattern: ADDRESS_PATTERN };
const bytes32 = { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" };
const epoch = { type: "integer", minimum: 0 };
const ms = (what: string) => ({ type: "integer", description: `Unix ms: ${what}` });
const block = (what: string) => ({ type: "integer", description: `Block number of ${what}` });
const flag = (what: string) => ({ type: "boolean", description: what });
const txHash = (what: string) => ({ ...bytes32, description: `Hash of ${what}` });
/** Keys every workflow type can carry: the engine's bookkeeping. */
const engineKeys = {
  _stall_count: { type: "integer", description: "Times the sweeper resumed the workflow after it stalled" },
  _last_error: { type: "object", description: "The last retried error ({code, message}); dropped when the step succeeds" },
  _awaiting_since: ms("start of the current confirmation wait; dropped when the step changes"),
};

/**
 * The progress keys each workflow type writes, with the ChaosChain gateway's names: the work
 * submission's transaction is `onchain_*`; a direct score is `score_*`, commit-reveal `commit_*` /
 * `reveal_*`, close epoch `close_*` (no `onchain_*` key on those two). Tests check that completed
 * workflows carry exactly documented keys.
 */
export const PROGRESS_KEYS = {
  WorkSubmission: {
    dkg_thread_root: { ...bytes32, description: "Thread root (computed from dkg_evidence, or the legacy body's)" },
    dkg_evidence_root: { ...bytes32, description: "Evidence root" },
    dkg_weights: { type: "object", description: "Contribution weight per author (betweenness, sums to 1)" },
    dkg_basis_points: { type: "object", description: "dkg_weights as basis points summing to 10000" },
    dkg_version: { type: "string", description: "DKG algorithm version used" },
    arweave_tx_id: { type: "string", description: "Evidence id in the evidence store" },
    evidence_uri: { type: "string", description: "cas://<id> or ar://<txid>" },
    arweave_confirmed: flag("The evidence is confirmed"),
    arweave_confirmed_at: ms("evidence confirmation"),
    onchain_tx_hash: txHash("StudioProxy.submitWork / submitWorkMultiAgent"),
    onchain_confirmed: flag("submitWork is confirmed"),
    onchain_block: block("submitWork"),
    onchain_confirmed_at: ms("submitWork confirmation"),
    register_tx_hash: txHash("RewardsDistributor.registerWork"),
    register_confirmed: flag("registerWork is confirmed (or the work was registered already)"),
    register_confirmed_at: ms("registerWork confirmation"),
    ...engineKeys,
  },
  ScoreSubmission: {
    score_tx_hash: txHash("StudioProxy.submitScoreVectorForWorker (direct mode)"),
    score_confirmed: flag("The direct score is confirmed"),
    score_block: block("the direct score"),
    score_confirmed_at: ms("direct score confirmation"),
    commit_hash: { ...bytes32, description: "keccak256(scoreVector ‖ salt ‖ dataHash) sent by commitScore" },
    commit_deadline: { type: "integer", description: "The work's commit deadline (Unix seconds) read from the studio" },
    commit_tx_hash: txHash("StudioProxy.commitScore"),
    commit_confirmed: flag("The commitment is confirmed"),
    commit_block: block("the commitment"),
    commit_confirmed_at: ms("commitment confirmation"),
    reveal_tx_hash: txHash("StudioProxy.revealScore"),
    reveal_confirmed: flag("The reveal is confirmed"),
    reveal_block: block("the reveal"),
    reveal_confirmed_at: ms("reveal confirmation"),
    register_validator_tx_hash: txHash("RewardsDistributor.registerValidator"),
    register_validator_confirmed: flag("The validator is registered"),
    register_validator_confirmed_at: ms("validator registration"),
    ...engineKeys,
  },
  CloseEpoch: {
    preconditions_checked: flag("Owner, registered work and validators checked"),
    preconditions_checked_at: ms("precondition check"),
    epoch_work_count: { type: "integer", description: "Work items registered for the epoch" },
    close_tx_hash: txHash("RewardsDistributor.closeEpoch (another's when already_closed)"),
    close_confirmed: flag("closeEpoch is confirmed"),
    close_block: block("closeEpoch"),
    close_confirmed_at: ms("closeEpoch confirmation"),
    already_closed: flag("The epoch was closed by another transaction; nothing was sent"),
    ...engineKeys,
  },
} as const;

const envelopeError = {
  type: "object",
  required: ["version", "error"],
  properties: {
    version: { const: "1.0" },
    error: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" } } },
  },
};
const v1Error = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/EnvelopeError" } } },
});
const v1Ok = (description: string, data: unknown) => ({
  description,
  content: {
    "application/json": { schema: { type: "object", required: ["version", "data"], properties: { version: { const: "1.0" }, data } } },
  },
});
const error = {
  type: "object",
  required: ["error"],
  properties: { error: { type: "string" }, code: { type: "string" }, message: { type: "string" } },
};
const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});
const workflowResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Workflow" } } },
});
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
  "409": errorResponse("Idempotency-Key reused with a different body (code IDEMPOTENCY_KEY_REUSED)"),
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
            content: {
              "application/json": { schema: { type: "object", properties: { status: { const: "ok" }, timestamp: { type: "integer" } } } },
            },
          },
        },
      },
    },
    "/workflows/work-submission": {
      post: {
        summary: "Submit work: DKG, evidence archival, StudioProxy.submitWork, RewardsDistributor.registerWork",
        parameters: writeParameters,
        requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/WorkSubmission" } } } },
        responses: submitResponses,
      },
    },
    "/workflows/score-submission": {
      post: {
        summary: "Submit a score (direct or commit-reveal), then register the validator",
        parameters: writeParameters,
        requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/ScoreSubmission" } } } },
        responses: submitResponses,
      },
    },
    "/workflows/close-epoch": {
      post: {
        summary: "Close an epoch (RewardsDistributor owner only); never closes the same epoch twice",
        parameters: writeParameters,
        requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/CloseEpoch" } } } },
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
            schema: { type: "string", enum: ["active", "CREATED", "RUNNING", "STALLED", "COMPLETED", "FAILED"] },
          },
          { name: "type", in: "query", schema: { type: "string", enum: ["WorkSubmission", "ScoreSubmission", "CloseEpoch"] } },
        ],
        responses: {
          "200": {
            description: "Matching workflows",
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  properties: {
                    workflows: { type: "array", items: { $ref: "#/components/schemas/Workflow" } },
                    count: { type: "integer" },
                  },
                },
              },
            },
          },
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
          { name: "status", in: "query", schema: { type: "string", enum: ["pending", "scored", "finalized"], default: "pending" } },
          {
            name: "limit",
            in: "query",
            schema: { type: "integer", minimum: 1, maximum: 100, default: 20 },
            description: "Clamped to 1..100",
          },
          { name: "offset", in: "query", schema: { type: "integer", minimum: 0, default: 0 } },
        ],
        responses: {
          "200": v1Ok("The page", { $ref: "#/components/schemas/StudioWork" }),
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
          "200": v1Ok("The evidence", {
            type: "object",
            properties: {
              work_id: bytes32,
              dkg_evidence: {
                type: "array",
                items: { $ref: "#/components/schemas/EvidencePackage" },
                description: "Empty for a legacy-body submission",
              },
              thread_root: { oneOf: [bytes32, { type: "null" }] },
            },
          }),
          "400": v1Error("INVALID_WORK_ID"),
          "401": v1Error("UNAUTHORIZED: keys are configured and x-api-key is missing or wrong"),
          "403": v1Error("FORBIDDEN: the key is limited to other studios"),
          "404": v1Error("WORK_NOT_FOUND"),
          "429": errorResponse("List rate limit"),
        },
      },
    },
  },
  components: {
    schemas: {
      Error: error,
      EnvelopeError: envelopeError,
      WorkSubmissionProgress: { type: "object", properties: PROGRESS_KEYS.WorkSubmission },
      ScoreSubmissionProgress: { type: "object", properties: PROGRESS_KEYS.ScoreSubmission },
      CloseEpochProgress: { type: "object", properties: PROGRESS_KEYS.CloseEpoch },
      StudioWork: {
        type: "object",
        properties: {
          studio: address,
          total: { type: "integer", description: "Matching items before paging" },
          limit: { type: "integer" },
          offset: { type: "integer" },
          work: {
            type: "array",
            items: {
              type: "object",
              properties: {
                work_id: bytes32,
                data_hash: bytes32,
                agent_id: { type: "integer", description: "0 (no identity registry)" },
                worker_address: address,
                studio_address: address,
                epoch: { type: ["integer", "null"] },
                submitted_at: { type: "string", format: "date-time" },
                evidence_anchor: { type: ["string", "null"], description: "The evidence id (progress.arweave_tx_id)" },
                derivation_root: { type: ["string", "null"], description: "progress.dkg_thread_root" },
                studio_policy_version: { const: "engineering-studio-default-v1" },
                work_mandate_id: { const: "generic-task" },
                task_type: { const: "general" },
              },
            },
          },
        },
      },
      Workflow: {
        type: "object",
        required: ["id", "type", "state", "step", "created_at", "updated_at", "progress"],
        properties: {
          id: { type: "string", format: "uuid" },
          type: { type: "string", enum: ["WorkSubmission", "ScoreSubmission", "CloseEpoch"] },
          state: { type: "string", enum: ["CREATED", "RUNNING", "STALLED", "COMPLETED", "FAILED"] },
          step: { type: "string" },
          created_at: { type: "integer", description: "Unix ms" },
          updated_at: { type: "integer", description: "Unix ms" },
          progress: {
            description: "Checkpoints, appended as the workflow runs; the keys depend on its type",
            oneOf: [
              { $ref: "#/components/schemas/WorkSubmissionProgress" },
              { $ref: "#/components/schemas/ScoreSubmissionProgress" },
              { $ref: "#/components/schemas/CloseEpochProgress" },
            ],
          },
          error: {
            type: "object",
            properties: { step: { type: "string" }, message: { type: "string" }, code: { type: "string" } },
            description: "Present on STALLED (code STALLED) and FAILED workflows; cleared on recovery",
          },
        },
      },
      EvidencePackage: {
        type: "object",
        required: ["arweave_tx_id", "author", "timestamp", "parent_ids", "payload_hash", "artifact_ids", "signature"],
        properties: {
          arweave_tx_id: { type: "string", minLength: 1 },
          author: { type: "string", minLength: 1 },
          timestamp: { type: "number" },
          parent_ids: { type: "array", items: { type: "string" } },
          payload_hash: { type: "string" },
          artifact_ids: { type: "array" },
          signature: { type: "string" },
          event_type: { type: "string" },
          summary: { type: "string" },
          metadata: {},
          metrics: {},
        },
      },
      WorkSubmission: {
        type: "object",
        description: "Either dkg_evidence (current) or thread_root + evidence_root (legacy SDK body).",
        required: ["studio_address", "epoch", "agent_address", "data_hash", "evidence_content", "signer_address"],
        properties: {
          studio_address: address,
          epoch,
          agent_address: address,
          data_hash: bytes32,
          dkg_evidence: { type: "array", minItems: 1, maxItems: 5000, items: { $ref: "#/components/schemas/EvidencePackage" } },
          thread_root: bytes32,
          evidence_root: bytes32,
          evidence_content: {
            type: "string",
            pattern: BASE64_ALPHABET.source,
            description: "Base64 (RFC 4648 standard alphabet, padding optional)",
          },
          signer_address: address,
        },
      },
      ScoreSubmission: {
        type: "object",
        required: ["studio_address", "epoch", "validator_address", "data_hash", "scores", "signer_address"],
        properties: {
          studio_address: address,
          epoch,
          validator_address: address,
          data_hash: bytes32,
          scores: { type: "array", minItems: 1, maxItems: 256, items: { type: "integer", minimum: 0, maximum: 10000 } },
          salt: { oneOf: [bytes32, { const: "" }, { type: "null" }], description: 'Absent, null or "" mean the zero bytes32' },
          signer_address: address,
          worker_address: { ...address, description: "Required in direct mode" },
          mode: { type: "string", enum: ["direct", "commit_reveal"], default: "direct" },
          admin_signer_address: address,
        },
      },
      CloseEpoch: {
        type: "object",
        required: ["studio_address", "epoch", "signer_address"],
        properties: { studio_address: address, epoch, signer_address: address },
      },
    },
  },
} as const;
