// The REST API's wire contract: validation rules and messages, status codes, auth, rate limits
// that never throttle polling, Idempotency-Key and natural-key dedup, 503 during shutdown.

import type { ServiceProcess } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { AGENTS, dataHash, setUp, startOrchestrator, type TestEnv, tearDown } from "./harness.js";

let env: TestEnv;
let open: ServiceProcess;
let keyed: ServiceProcess;
let scoped: ServiceProcess;
const API_KEY = "test-key-0123456789abcdef";
/** Limited to signer AGENTS[1] on STUDIO. */
const SCOPED_KEY = "scoped-key-0123456789abcdef";
const [signer, other] = AGENTS as [string, string];
/** A well-formed address the orchestrator holds no key for. */
const STRANGER = `0x${"7".repeat(40)}`;
const bytes32 = dataHash("api");
/** Not a contract: these workflows only exercise the API (they fail in the background). */
const STUDIO = `0x${"5".repeat(40)}`;

beforeAll(async () => {
  env = await setUp("orchapi");
  [open, keyed, scoped] = await Promise.all([
    startOrchestrator(env, { api: { writes_per_minute: 0 } }),
    startOrchestrator(env, { api: { api_keys: [API_KEY], writes_per_minute: 3, lists_per_minute: 2 } }),
    startOrchestrator(env, {
      api: { api_keys: [API_KEY, { key: SCOPED_KEY, signers: [other], studios: [STUDIO] }], writes_per_minute: 0 },
    }),
  ]);
}, 120_000);

afterAll(() => tearDown(env), 30_000);

const base = (proc: ServiceProcess) => proc.endpoints.rest as string;

async function post(proc: ServiceProcess, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base(proc)}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

const work = (overrides: Record<string, unknown> = {}) => ({
  studio_address: STUDIO,
  epoch: 1,
  agent_address: signer,
  data_hash: bytes32,
  dkg_evidence: [
    { arweave_tx_id: "a", author: signer, timestamp: 1, parent_ids: [], payload_hash: "0x01", artifact_ids: [], signature: "0x" },
  ],
  evidence_content: "ZXZpZGVuY2U=",
  signer_address: signer,
  ...overrides,
});

const score = (overrides: Record<string, unknown> = {}) => ({
  studio_address: STUDIO,
  epoch: 1,
  validator_address: signer,
  data_hash: bytes32,
  scores: [8500],
  signer_address: signer,
  worker_address: signer,
  ...overrides,
});

describe("validation (400 {error: '<field> …'})", () => {
  const cases: Array<[string, string, Record<string, unknown>, RegExp]> = [
    ["short address", "/workflows/work-submission", work({ studio_address: "0x1234" }), /^studio_address must be/],
    ["non-hex address", "/workflows/work-submission", work({ signer_address: `0x${"z".repeat(40)}` }), /^signer_address must be/],
    ["bytes32 length", "/workflows/work-submission", work({ data_hash: "0x12" }), /^data_hash must be/],
    ["negative epoch", "/workflows/work-submission", work({ epoch: -1 }), /^epoch must be an integer >= 0$/],
    ["fractional epoch", "/workflows/close-epoch", { studio_address: signer, epoch: 1.5, signer_address: signer }, /^epoch must be/],
    ["dkg_evidence missing", "/workflows/work-submission", work({ dkg_evidence: undefined }), /^dkg_evidence must be an array$/],
    ["dkg_evidence empty", "/workflows/work-submission", work({ dkg_evidence: [] }), /^dkg_evidence must be a non-empty array$/],
    [
      "evidence field",
      "/workflows/work-submission",
      work({ dkg_evidence: [{ arweave_tx_id: "a" }] }),
      /^dkg_evidence\[0\]\.author must be a non-empty string$/,
    ],
    [
      "evidence timestamp",
      "/workflows/work-submission",
      work({ dkg_evidence: [{ ...work().dkg_evidence[0], timestamp: "1" }] }),
      /timestamp must be a number/,
    ],
    ["evidence_content type", "/workflows/work-submission", work({ evidence_content: 5 }), /^evidence_content must be a string$/],
    [
      "legacy roots wrong",
      "/workflows/work-submission",
      work({ dkg_evidence: undefined, thread_root: bytes32, evidence_root: "0x" }),
      /^evidence_root must be/,
    ],
    ["scores empty", "/workflows/score-submission", score({ scores: [] }), /^scores must be a non-empty array$/],
    ["score range", "/workflows/score-submission", score({ scores: [10_001] }), /^scores\[0\] must be an integer between 0 and 10000/],
    ["score integer", "/workflows/score-submission", score({ scores: [1.5] }), /^scores\[0\]/],
    ["mode", "/workflows/score-submission", score({ mode: "fast" }), /^mode must be "direct" or "commit_reveal"$/],
    [
      "direct needs worker",
      "/workflows/score-submission",
      score({ worker_address: undefined }),
      /^worker_address is required for direct mode$/,
    ],
    ["salt shape", "/workflows/score-submission", score({ salt: "0x1" }), /^salt must be/],
    [
      "evidence_content not base64",
      "/workflows/work-submission",
      work({ evidence_content: "!!!" }),
      /^evidence_content must be base64 \(RFC 4648, standard alphabet\)$/,
    ],
    ["evidence_content bad length", "/workflows/work-submission", work({ evidence_content: "abcde" }), /^evidence_content must be base64/],
    [
      "unknown signer",
      "/workflows/work-submission",
      work({ signer_address: STRANGER }),
      new RegExp(`^signer_address ${STRANGER} is not a signer this orchestrator holds a key for$`),
    ],
    [
      "unknown signer (close)",
      "/workflows/close-epoch",
      { studio_address: STUDIO, epoch: 1, signer_address: STRANGER },
      /^signer_address 0x7{40} is not a signer/,
    ],
    [
      "unknown admin signer",
      "/workflows/score-submission",
      score({ admin_signer_address: STRANGER }),
      /^admin_signer_address 0x7{40} is not a signer this orchestrator holds a key for$/,
    ],
  ];
  it.each(cases)("%s", async (_name, path, body, message) => {
    const res = await post(open, path, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });

  it('salt "" is the zero salt, as absent; unpadded base64 evidence is accepted', async () => {
    const empty = await post(open, "/workflows/score-submission", score({ salt: "", data_hash: dataHash("salt-empty") }));
    expect(empty).toMatchObject({ status: 201, body: { step: "SUBMIT_SCORE_DIRECT" } });
    const unpadded = await post(open, "/workflows/work-submission", work({ evidence_content: "aGVsbG8", data_hash: dataHash("unpadded") }));
    expect(unpadded.status).toBe(201);
  });

  it("malformed JSON is 400, not 500", async () => {
    const res = await post(open, "/workflows/work-submission", "{not json");
    expect(res).toMatchObject({ status: 400, body: { error: "request body must be valid JSON" } });
  });

  it("accepts the legacy body and defaults mode and salt; ignores unknown fields", async () => {
    const legacy = await post(
      open,
      "/workflows/work-submission",
      work({ dkg_evidence: undefined, thread_root: bytes32, evidence_root: bytes32, data_hash: dataHash("legacy"), extra: 1 }),
    );
    expect(legacy.status).toBe(201);
    expect(legacy.body).toMatchObject({ type: "WorkSubmission", state: "CREATED", step: "COMPUTE_DKG", progress: {} });
    expect(legacy.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof legacy.body.created_at).toBe("number");
    expect(legacy.body).not.toHaveProperty("error");
    expect(legacy.body).not.toHaveProperty("input");
    const commit = await post(
      open,
      "/workflows/score-submission",
      score({ mode: "commit_reveal", worker_address: undefined, data_hash: dataHash("cr") }),
    );
    expect(commit).toMatchObject({ status: 201, body: { step: "COMMIT_SCORE", type: "ScoreSubmission" } });
  });
});

describe("reads", () => {
  it("404 for unknown and non-UUID ids", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "nope", "1; drop"]) {
      const res = await fetch(`${base(open)}/workflows/${encodeURIComponent(id)}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: "Workflow not found" });
    }
  });

  it("lists by studio, state=active or type+state, else 400 with the reference's message", async () => {
    const bad = await fetch(`${base(open)}/workflows`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "Query parameter required: studio, state=active, or type+state" });
    const byStudio = (await (await fetch(`${base(open)}/workflows?studio=${STUDIO}`)).json()) as {
      workflows: unknown[];
      count: number;
    };
    expect(byStudio.count).toBe(byStudio.workflows.length);
    expect(byStudio.count).toBeGreaterThan(0);
    const typed = await fetch(`${base(open)}/workflows?type=ScoreSubmission&state=BOGUS`);
    expect(typed.status).toBe(400);
  });

  it("finds a studio's workflows whatever the case of its address (EIP-55 or lower case)", async () => {
    const studio = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01";
    const created = await post(open, "/workflows/close-epoch", { studio_address: studio, epoch: 40, signer_address: signer });
    expect(created.status).toBe(201);
    for (const spelling of [studio, studio.toLowerCase(), `0x${studio.slice(2).toUpperCase()}`]) {
      const listed = (await (await fetch(`${base(open)}/workflows?studio=${spelling}`)).json()) as { workflows: { id: string }[] };
      expect(listed.workflows.map((wf) => wf.id)).toEqual([created.body.id]);
    }
  });

  it("/v1 reads answer in the {version, error:{code, message}} envelope; evidence needs a key when keys are set", async () => {
    const json = async (proc: ServiceProcess, path: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${base(proc)}${path}`, { headers });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await json(open, "/v1/studio/0x12/work")).toEqual({
      status: 400,
      body: {
        version: "1.0",
        error: { code: "INVALID_STUDIO_ADDRESS", message: "Studio address must be a 0x-prefixed 20-byte hex string (42 chars)" },
      },
    });
    expect(await json(open, `/v1/studio/${STUDIO}/work?status=open`)).toMatchObject({
      status: 400,
      body: { error: { code: "INVALID_STATUS" } },
    });
    // This studio's workflows all fail (it is not a contract): nothing completed, so nothing pending.
    expect(await json(open, `/v1/studio/${STUDIO}/work?limit=500&offset=-3`)).toEqual({
      status: 200,
      body: { version: "1.0", data: { studio: STUDIO, work: [], total: 0, limit: 100, offset: 0 } },
    });
    expect(await json(open, "/v1/work/0x12/evidence")).toMatchObject({ status: 400, body: { error: { code: "INVALID_WORK_ID" } } });
    const unknown = dataHash("never-submitted");
    expect(await json(open, `/v1/work/${unknown}/evidence`)).toEqual({
      status: 404,
      body: { version: "1.0", error: { code: "WORK_NOT_FOUND", message: `No work found with id ${unknown}` } },
    });
    // The submission is found whatever state it is in.
    const submitted = dataHash("v1-evidence");
    expect((await post(open, "/workflows/work-submission", work({ data_hash: submitted }))).status).toBe(201);
    expect(await json(open, `/v1/work/${submitted}/evidence`)).toMatchObject({
      status: 200,
      body: { version: "1.0", data: { work_id: submitted, dkg_evidence: work().dkg_evidence } },
    });
    expect(await json(scoped, `/v1/work/${submitted}/evidence`)).toEqual({
      status: 401,
      body: { version: "1.0", error: { code: "UNAUTHORIZED", message: "Invalid or missing API key" } },
    });
    expect((await json(scoped, `/v1/work/${submitted}/evidence`, { "x-api-key": API_KEY })).status).toBe(200);
    // A key limited to some studios reads their evidence, not another studio's.
    expect((await json(scoped, `/v1/work/${submitted}/evidence`, { "x-api-key": SCOPED_KEY })).status).toBe(200);
    const elsewhere = dataHash("v1-evidence-elsewhere");
    const otherStudio = `0x${"6".repeat(40)}`;
    expect((await post(open, "/workflows/work-submission", work({ data_hash: elsewhere, studio_address: otherStudio }))).status).toBe(201);
    expect(await json(scoped, `/v1/work/${elsewhere}/evidence`, { "x-api-key": SCOPED_KEY })).toEqual({
      status: 403,
      body: { version: "1.0", error: { code: "FORBIDDEN", message: `this API key may not act on studio ${otherStudio}` } },
    });
    expect((await json(open, "/v1/unknown")).status).toBe(404);
  });

  it("health keeps the {status:'ok', timestamp} shape; /openapi.json is served", async () => {
    const health = (await (await fetch(`${base(open)}/health`)).json()) as { status: string; timestamp: number };
    expect(health.status).toBe("ok");
    expect(Math.abs(health.timestamp - Date.now())).toBeLessThan(60_000);
    const doc = (await (await fetch(`${base(open)}/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toBe("3.1.0");
  });
});

describe("auth, rate limits, idempotency", () => {
  it("writes need x-api-key when keys are configured; reads stay open", async () => {
    const missing = await post(keyed, "/workflows/close-epoch", { studio_address: signer, epoch: 3, signer_address: signer });
    expect(missing).toMatchObject({ status: 401, body: { error: "UNAUTHORIZED", message: "Invalid or missing API key" } });
    const wrong = await post(
      keyed,
      "/workflows/close-epoch",
      { studio_address: signer, epoch: 3, signer_address: signer },
      { "x-api-key": "wrong" },
    );
    expect(wrong.status).toBe(401);
    expect((await fetch(`${base(keyed)}/health`)).status).toBe(200);
  });

  it("a key limited to signers and studios gets 403 outside them; unlimited keys and reads are unaffected", async () => {
    const key = { "x-api-key": SCOPED_KEY };
    const forbidden = await post(scoped, "/workflows/close-epoch", { studio_address: STUDIO, epoch: 50, signer_address: signer }, key);
    expect(forbidden).toMatchObject({ status: 403, body: { error: "FORBIDDEN", message: `this API key may not use signer ${signer}` } });
    const otherStudio = `0x${"6".repeat(40)}`;
    const wrongStudio = await post(
      scoped,
      "/workflows/close-epoch",
      { studio_address: otherStudio, epoch: 50, signer_address: other },
      key,
    );
    expect(wrongStudio).toMatchObject({
      status: 403,
      body: { error: "FORBIDDEN", message: `this API key may not act on studio ${otherStudio}` },
    });
    const admin = await post(
      scoped,
      "/workflows/score-submission",
      score({ signer_address: other, validator_address: other, admin_signer_address: signer, data_hash: dataHash("scoped-admin") }),
      key,
    );
    expect(admin).toMatchObject({ status: 403, body: { message: `this API key may not use signer ${signer}` } });
    // Any case of a permitted address is the same address.
    const allowed = await post(
      scoped,
      "/workflows/close-epoch",
      { studio_address: STUDIO.toUpperCase().replace("0X", "0x"), epoch: 50, signer_address: other.toLowerCase() },
      key,
    );
    expect(allowed.status).toBe(201);
    const unlimited = await post(
      scoped,
      "/workflows/close-epoch",
      { studio_address: otherStudio, epoch: 51, signer_address: signer },
      {
        "x-api-key": API_KEY,
      },
    );
    expect(unlimited.status).toBe(201);
    // Retrying a workflow of another signer is refused the same way (before its state is looked at).
    const retry = await fetch(`${base(scoped)}/workflows/${unlimited.body.id}/retry`, { method: "POST", headers: key });
    expect(retry.status).toBe(403);
    expect((await fetch(`${base(scoped)}/workflows/${unlimited.body.id}`)).status).toBe(200);
  });

  it("throttles writes per client, never status polling", async () => {
    const headers = { "x-api-key": API_KEY };
    const statuses: number[] = [];
    let id = "";
    for (let epoch = 10; epoch < 14; epoch++) {
      const res = await post(keyed, "/workflows/close-epoch", { studio_address: signer, epoch, signer_address: signer }, headers);
      statuses.push(res.status);
      if (res.status === 201) id = res.body.id as string;
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
    // 200 polls in a burst: none is limited.
    const polls = await Promise.all(Array.from({ length: 200 }, () => fetch(`${base(keyed)}/workflows/${id}`).then((r) => r.status)));
    expect(new Set(polls)).toEqual(new Set([200]));
    const lists = [];
    for (let i = 0; i < 3; i++) lists.push((await fetch(`${base(keyed)}/workflows?state=active`)).status);
    expect(lists).toEqual([200, 200, 429]);
    expect(await (await fetch(`${base(keyed)}/workflows?state=active`)).json()).toEqual({ error: "RATE_LIMIT_EXCEEDED" });
    // The /v1 reads draw on the same per-client list budget.
    expect((await fetch(`${base(keyed)}/v1/studio/${STUDIO}/work`)).status).toBe(429);
  });

  it("Idempotency-Key returns the first workflow; another body with the same key is 409", async () => {
    const body = { studio_address: signer, epoch: 20, signer_address: signer };
    const first = await post(open, "/workflows/close-epoch", body, { "Idempotency-Key": "k-1" });
    const again = await post(open, "/workflows/close-epoch", body, { "Idempotency-Key": "k-1" });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.id).toBe(first.body.id);
    const conflict = await post(open, "/workflows/close-epoch", { ...body, epoch: 21 }, { "Idempotency-Key": "k-1" });
    expect(conflict).toMatchObject({ status: 409, body: { code: "IDEMPOTENCY_KEY_REUSED" } });
  });

  it("dedupes on the natural key without a header (scores per data_hash and validator)", async () => {
    const a = await post(open, "/workflows/score-submission", score({ data_hash: dataHash("nk"), validator_address: AGENTS[1] }));
    const b = await post(open, "/workflows/score-submission", score({ data_hash: dataHash("nk"), validator_address: AGENTS[1] }));
    const otherValidator = await post(
      open,
      "/workflows/score-submission",
      score({ data_hash: dataHash("nk"), validator_address: AGENTS[2] }),
    );
    expect([a.status, b.status, otherValidator.status]).toEqual([201, 200, 201]);
    expect(b.body.id).toBe(a.body.id);
    expect(otherValidator.body.id).not.toBe(a.body.id);
  });
});
