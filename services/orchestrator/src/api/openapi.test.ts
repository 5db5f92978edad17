import { readFileSync } from "node:fs";
import { join } from "node:path";
import { contract } from "@gatehouse/sdk";
import { repoRoot } from "@gatehouse/testkit";
import { describe, expect, it } from "@jest/globals";
import { Ajv2020 } from "ajv/dist/2020.js";
import { WORKFLOW_STATES, WORKFLOW_TYPES, type WorkflowRecord } from "../engine/types.js";
import { OPENAPI } from "./openapi.js";
import { CONTRACT_COMPONENTS, type ComponentName } from "./openapi-components.js";
import { toWorkflowResponse } from "./response.js";
import { validateCloseEpoch, validateScoreSubmission, validateWorkSubmission } from "./validation.js";
import { studioWork, workEvidence } from "./work-data.js";

/** The document as JSON Schema (2020-12, OpenAPI 3.1's dialect): a body checked against the schema at a pointer. */
const ajv = new Ajv2020({ strict: false, validateFormats: false });
ajv.addSchema({ $id: "doc", ...JSON.parse(JSON.stringify(OPENAPI)) });
const documented = (name: ComponentName, value: unknown) => ajv.validate({ $ref: `doc#/components/schemas/${name}` }, value);
/** The work submission's request body: the current or the legacy body. */
const workBody = (value: unknown) =>
  ajv.validate({ $ref: "doc#/paths/~1workflows~1work-submission/post/requestBody/content/application~1json/schema" }, value);

const studio = `0x${"1".repeat(40)}`;
const signer = `0x${"2".repeat(40)}`;
const hash = `0x${"ab".repeat(32)}`;
const pkg = { arweave_tx_id: "a", author: signer, timestamp: 1, parent_ids: [], payload_hash: hash, artifact_ids: [], signature: "0x" };
const work = {
  studio_address: studio,
  epoch: 1,
  agent_address: signer,
  data_hash: hash,
  dkg_evidence: [pkg],
  evidence_content: "aGk=",
  signer_address: signer,
};
const { dkg_evidence: _evidence, ...workCommon } = work;
const legacy = { ...workCommon, thread_root: hash, evidence_root: hash };
const score = {
  studio_address: studio,
  epoch: 1,
  validator_address: signer,
  data_hash: hash,
  scores: [10_000],
  signer_address: signer,
  worker_address: signer,
};
const close = { studio_address: studio, epoch: 1, signer_address: signer };

describe("OpenAPI document", () => {
  it("docs/orchestrator-openapi.json is what /openapi.json serves (regenerate with npm run openapi -w @gatehouse/orchestrator)", () => {
    const docs = JSON.parse(readFileSync(join(repoRoot(), "docs", "orchestrator-openapi.json"), "utf8"));
    expect(docs).toEqual(JSON.parse(JSON.stringify(OPENAPI)));
  });

  it("documents every workflow route", () => {
    expect(Object.keys(OPENAPI.paths).sort()).toEqual(
      [
        "/health",
        "/workflows",
        "/workflows/close-epoch",
        "/workflows/score-submission",
        "/workflows/work-submission",
        "/workflows/{id}",
        "/workflows/{id}/retry",
        "/v1/studio/{address}/work",
        "/v1/work/{hash}/evidence",
      ].sort(),
    );
  });

  it("names only schemas converted from the contract, and every one of them", () => {
    const refs = new Set(
      JSON.stringify(OPENAPI)
        .match(/#\/components\/schemas\/[A-Za-z]+/g)
        ?.map((r) => r.split("/").pop()),
    );
    expect([...refs].sort()).toEqual(Object.keys(CONTRACT_COMPONENTS).sort());
    expect(Object.keys(OPENAPI.components.schemas).sort()).toEqual(Object.keys(CONTRACT_COMPONENTS).sort());
  });
});

describe("the contract and the orchestrator's own rules", () => {
  it("name the same workflow types and states", () => {
    expect(contract.WORKFLOW_TYPES).toEqual(WORKFLOW_TYPES);
    expect(contract.WORKFLOW_STATES).toEqual(WORKFLOW_STATES);
  });
});

describe("the document and the validation agree", () => {
  const cases: [string, (body: Record<string, unknown>) => { ok: boolean }, ComponentName | "work", Record<string, unknown>][] = [
    ["work submission", validateWorkSubmission, "work", work],
    ["legacy work submission", validateWorkSubmission, "work", legacy],
    ["evidence with extra keys", validateWorkSubmission, "work", { ...work, dkg_evidence: [{ ...pkg, event_type: "x", custom: 1 }] }],
    ["unknown field", validateWorkSubmission, "work", { ...work, unknown: true }],
    ["direct score", validateScoreSubmission, "ScoreSubmission", score],
    ["commit-reveal score, null salt", validateScoreSubmission, "ScoreSubmission", { ...score, mode: "commit_reveal", salt: null }],
    ["empty salt, null mode", validateScoreSubmission, "ScoreSubmission", { ...score, salt: "", mode: null }],
    ["close epoch", validateCloseEpoch, "CloseEpoch", close],
  ];
  const invalid: typeof cases = [
    ["short address", validateWorkSubmission, "work", { ...work, studio_address: "0x12" }],
    ["negative epoch", validateWorkSubmission, "work", { ...work, epoch: -1 }],
    ["fractional epoch", validateCloseEpoch, "CloseEpoch", { ...close, epoch: 1.5 }],
    ["empty dkg_evidence", validateWorkSubmission, "work", { ...work, dkg_evidence: [] }],
    ["neither body", validateWorkSubmission, "work", workCommon],
    [
      "dkg_evidence and a bad legacy root",
      validateWorkSubmission,
      "work",
      { ...work, dkg_evidence: [{ ...pkg, author: "" }], thread_root: hash, evidence_root: hash },
    ],
    ["non-string parent", validateWorkSubmission, "work", { ...work, dkg_evidence: [{ ...pkg, parent_ids: [1] }] }],
    ["evidence not base64", validateWorkSubmission, "work", { ...work, evidence_content: "a-b_" }],
    ["score over 10000", validateScoreSubmission, "ScoreSubmission", { ...score, scores: [10_001] }],
    ["unknown mode", validateScoreSubmission, "ScoreSubmission", { ...score, mode: "fast" }],
    ["short salt", validateScoreSubmission, "ScoreSubmission", { ...score, salt: "0x1" }],
    ["missing signer", validateCloseEpoch, "CloseEpoch", { studio_address: studio, epoch: 1 }],
  ];
  const byDocument = (schema: ComponentName | "work", body: unknown) => (schema === "work" ? workBody(body) : documented(schema, body));

  it.each(cases)("%s: valid by both", (_name, validate, schema, body) => {
    expect(validate(body).ok).toBe(true);
    expect(byDocument(schema, body)).toBe(true);
  });

  it.each(invalid)("%s: refused by both", (_name, validate, schema, body) => {
    expect(validate(body).ok).toBe(false);
    expect(byDocument(schema, body)).toBe(false);
  });

  it("describes what the responses carry", () => {
    const record = {
      id: "6f1d8c1e-8a4b-4c3d-9e2f-0a1b2c3d4e5f",
      type: "WorkSubmission",
      state: "COMPLETED",
      step: "DONE",
      createdAt: 1,
      updatedAt: 2,
      input: work,
      progress: { dkg_thread_root: hash, arweave_tx_id: "tx", onchain_block: 7 },
      error: { step: "DONE", message: "m", code: "C" },
    } as unknown as WorkflowRecord;
    const response = toWorkflowResponse(record);
    expect(documented("Workflow", response)).toBe(true);
    expect(contract.Workflow.safeParse(response).success).toBe(true);
    expect(documented("WorkflowList", { workflows: [response], count: 1 })).toBe(true);
    const page = studioWork(studio, [record], "pending", { limit: 20, offset: 0 });
    expect(page.work).toHaveLength(1);
    expect(documented("StudioWork", page)).toBe(true);
    expect(documented("PendingWorkResponse", { version: contract.API_VERSION, data: page })).toBe(true);
    expect(documented("WorkEvidenceResponse", { version: contract.API_VERSION, data: workEvidence(record) })).toBe(true);
    expect(documented("WorkEvidenceResponse", { version: "2.0", data: workEvidence(record) })).toBe(false);
    expect(documented("Workflow", { ...response, state: "DONE" })).toBe(false);
  });
});
