/**
 * The REST API as OpenAPI 3.1, served at /openapi.json; docs/orchestrator-openapi.json is
 * generated from it (a test keeps the two equal).
 */
const address = { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" };
const bytes32 = { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" };
const epoch = { type: "integer", minimum: 0 };
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
  "400": errorResponse('Malformed JSON or a validation error: `{error: "<field> must …"}`'),
  "401": errorResponse('API keys are configured and x-api-key is missing or wrong: `{error: "UNAUTHORIZED", message}`'),
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
  },
  components: {
    schemas: {
      Error: error,
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
            type: "object",
            description:
              "Checkpoints: arweave_tx_id, arweave_confirmed, evidence_uri, onchain_tx_hash, onchain_confirmed, onchain_block, score_tx_hash, commit_tx_hash, reveal_tx_hash, register_tx_hash, register_validator_tx_hash, close_tx_hash, dkg_thread_root, dkg_evidence_root, dkg_weights, dkg_basis_points, dkg_version, _stall_count, _last_error",
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
          evidence_content: { type: "string", description: "Base64" },
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
          salt: { ...bytes32, description: "Defaults to the zero bytes32" },
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
