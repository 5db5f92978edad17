import { contract } from "@gatehouse/sdk";
import type { WorkflowStore } from "../engine/store.js";
import { WORKFLOW_STATES, type WorkflowRecord, type WorkSubmissionInput } from "../engine/types.js";
import { type ApiKeyGrant, scopeRefusal } from "./auth.js";
import { pageOf, studioWork, workEvidence } from "./work-data.js";

/**
 * The `/v1` read routes the published SDK clients call (`getPendingWork`, `getWorkEvidence`),
 * in the ChaosChain gateway's envelope: `{version:"1.0", data}` or `{version:"1.0", error:{code, message}}`
 * (`packages/gateway/src/routes/public-api.ts`).
 */

/** Records loaded per round trip while looking a data hash up. */
const LOAD_CHUNK = 200;

export interface V1Answer {
  status: number;
  body: unknown;
}

const ok = (data: contract.StudioWork | contract.WorkEvidence): V1Answer => ({
  status: 200,
  body: { version: contract.API_VERSION, data },
});
export const v1Error = (status: number, code: string, message: string): V1Answer => {
  const body: contract.EnvelopeError = { version: contract.API_VERSION, error: { code, message } };
  return { status, body };
};

export interface V1Deps {
  store: WorkflowStore;
  /** Whether keys are configured: then the evidence route needs one. */
  keysConfigured: boolean;
  /** The grant of the presented x-api-key, if it matches one. */
  grant: ApiKeyGrant | undefined;
}

/** The `GET /v1/...` route of `path` (its metric name and handler); undefined for a path it does not serve. */
export function v1Route(path: string, query: URLSearchParams): { name: string; run(deps: V1Deps): Promise<V1Answer> } | undefined {
  const studio = /^\/v1\/studio\/([^/]+)\/work$/.exec(path);
  if (studio) return { name: "v1_studio_work", run: (deps) => pendingWork(decodeURIComponent(studio[1] as string), query, deps) };
  const evidence = /^\/v1\/work\/([^/]+)\/evidence$/.exec(path);
  if (evidence) return { name: "v1_work_evidence", run: (deps) => evidenceOf(decodeURIComponent(evidence[1] as string), deps) };
  return undefined;
}

async function pendingWork(address: string, query: URLSearchParams, deps: V1Deps): Promise<V1Answer> {
  if (!contract.ADDRESS.test(address))
    return v1Error(400, "INVALID_STUDIO_ADDRESS", "Studio address must be a 0x-prefixed 20-byte hex string (42 chars)");
  const status = (query.get("status") ?? "pending") as contract.WorkStatus;
  if (!contract.WORK_STATUSES.includes(status))
    return v1Error(400, "INVALID_STATUS", `status must be one of ${contract.WORK_STATUSES.join(", ")}`);
  const records = await deps.store.loadMany(await deps.store.idsForStudio(address));
  return ok(studioWork(address, records, status, pageOf(query)));
}

async function evidenceOf(hash: string, deps: V1Deps): Promise<V1Answer> {
  if (deps.keysConfigured && !deps.grant) return v1Error(401, "UNAUTHORIZED", "Invalid or missing API key");
  if (!contract.BYTES32.test(hash)) return v1Error(400, "INVALID_WORK_ID", "work_id must be a 0x-prefixed bytes32 hex string (66 chars)");
  const wf = await findWork(deps.store, hash);
  if (!wf) return v1Error(404, "WORK_NOT_FOUND", `No work found with id ${hash}`);
  const refusal = deps.grant && scopeRefusal(deps.grant, { signers: [], studio: (wf.input as WorkSubmissionInput).studio_address });
  if (refusal) return v1Error(403, "FORBIDDEN", refusal);
  return ok(workEvidence(wf));
}

/** The work submission of `dataHash`: a completed one first, else the newest in any other state. */
async function findWork(store: WorkflowStore, dataHash: string): Promise<WorkflowRecord | undefined> {
  const wanted = dataHash.toLowerCase();
  const states = ["COMPLETED", ...WORKFLOW_STATES.filter((s) => s !== "COMPLETED")] as const;
  for (const state of states) {
    const ids = await store.idsForTypeAndState("WorkSubmission", state);
    let found: WorkflowRecord | undefined;
    for (let i = 0; i < ids.length; i += LOAD_CHUNK) {
      for (const wf of await store.loadMany(ids.slice(i, i + LOAD_CHUNK))) {
        if ((wf.input as WorkSubmissionInput).data_hash.toLowerCase() !== wanted) continue;
        if (!found || wf.createdAt > found.createdAt) found = wf;
      }
    }
    if (found) return found;
  }
  return undefined;
}
