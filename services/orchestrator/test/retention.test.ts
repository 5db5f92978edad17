// Don't keep what you don't need: a 9 MB work submission's evidence goes to the evidence store
// and the finished record keeps only its URI; finished workflows are deleted after the retention
// by the prune-finished-workflows job, with their transaction records.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "@gatehouse/testkit";
import { describe, expect, it } from "@jest/globals";
import { AGENTS, dataHash, evidenceFor, gateway, startOrchestrator, storedState, storedTx, submitDkgWork, useTestEnv } from "./harness.js";

const env = useTestEnv("orchkeep");
const worker = AGENTS[1] as string;

describe("what a finished workflow keeps", () => {
  it("a 9 MB submission leaves a record of a few kilobytes, the evidence in the evidence store, and is pruned after the retention", async () => {
    const evidence = Buffer.alloc(6_800_000);
    for (let i = 0; i < evidence.length; i++) evidence[i] = (i * 2_654_435_761) >>> 24;
    const hash = dataHash("nine-megabytes");
    const proc = await startOrchestrator(env());
    const wf = await submitDkgWork(env(), proc, "nine-megabytes", worker, evidence);
    const done = await gateway(proc).waitForCompletion(wf.workflowId, { maxWait: 60_000 });
    expect(done.state).toBe("COMPLETED");
    await proc.stop("SIGTERM");

    // The bytes are in the evidence store under the URI the record keeps.
    const uri = String(done.rawProgress.evidence_uri);
    expect(uri).toMatch(/^cas:\/\//);
    const files = readdirSync(env().evidenceDir, { recursive: true }).map(String);
    const stored = files.find((f) => f.endsWith(uri.slice("cas://".length)));
    expect(stored).toBeDefined();
    expect(readFileSync(join(env().evidenceDir, stored as string)).equals(evidence)).toBe(true);

    // The record: no evidence bytes (the DKG packages stay, for /v1/work/:hash/evidence), a few kilobytes all told.
    const { rows } = await env().pg.query<{ input: Record<string, unknown>; bytes: number }>(
      `SELECT input, octet_length(w::text) AS bytes FROM "${env().ns.postgresSchema}".workflows w WHERE id = $1`,
      [wf.workflowId],
    );
    const row = rows[0] as { input: Record<string, unknown>; bytes: number };
    expect(row.input.evidence_content).toBeUndefined();
    expect(row.input.dkg_evidence).toEqual(evidenceFor("nine-megabytes", worker));
    expect(row.input.data_hash).toBe(hash);
    expect(row.bytes).toBeLessThan(8_192);
    expect(statSync(join(env().evidenceDir, stored as string)).size).toBe(evidence.length);

    // With a one-second retention the job deletes it, and its transactions, on its next pass.
    const pruning = await startOrchestrator(env(), { store: { retention_days: 1 / 86_400, prune_interval_ms: 200 } });
    await waitFor(async () => (await storedState(env(), wf.workflowId)) === undefined, { description: "pruned", timeoutMs: 20_000 });
    expect(await storedTx(env(), `${wf.workflowId}:SUBMIT_WORK_ONCHAIN`)).toBeUndefined();
    expect(await storedTx(env(), `${wf.workflowId}:REGISTER_WORK`)).toBeUndefined();
    const metrics = await (await fetch(`${pruning.endpoints.ops}/metrics`)).text();
    expect(metrics).toMatch(/gatehouse_orchestrator_workflows_pruned_total [1-9]/);
    expect(pruning.lines.some((l) => l.msg === "pruned finished workflows" && l.job === "prune-finished-workflows")).toBe(true);
    await pruning.stop("SIGTERM");
  }, 120_000);
});
