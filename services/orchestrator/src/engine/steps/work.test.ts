import { describe, expect, it } from "@jest/globals";
import type { EvidenceStatus, EvidenceStore } from "../../evidence/store.js";
import type { WorkflowRecord } from "../types.js";
import { AWAITING_SINCE, type StepContext } from "./context.js";
import { workSteps } from "./work.js";

const WINDOW_MS = 60_000;
const POLL_MS = 5_000;

/** The confirmation wait alone: only the evidence store, the clock and the workflow's progress matter. */
function awaitConfirm(status: EvidenceStatus, progress: Record<string, unknown>, now: number) {
  const evidence = { status: async () => status, pollIntervalMs: POLL_MS } as unknown as EvidenceStore;
  const wf = {
    id: "wf",
    createdAt: 0,
    progress: { arweave_tx_id: "tx-1", evidence_uri: "ar://tx-1", ...progress },
  } as unknown as WorkflowRecord;
  const ctx = { wf, evidence, evidenceWindowMs: WINDOW_MS, pollMs: 500, now: () => now } as unknown as StepContext;
  return workSteps.AWAIT_ARWEAVE_CONFIRM?.execute(ctx);
}

describe("AWAIT_ARWEAVE_CONFIRM", () => {
  it("moves on once the evidence is confirmed, dropping the evidence bytes from the input", async () => {
    expect(await awaitConfirm("confirmed", {}, 1_234)).toEqual({
      kind: "next",
      step: "SUBMIT_WORK_ONCHAIN",
      patch: { arweave_confirmed: true, arweave_confirmed_at: 1_234 },
      compactInput: true,
    });
  });

  it("starts its window at the first poll, not at the workflow's creation", async () => {
    const longAfterCreation = 10 * WINDOW_MS;
    expect(await awaitConfirm("pending", {}, longAfterCreation)).toEqual({
      kind: "wait",
      delayMs: POLL_MS,
      patch: { [AWAITING_SINCE]: longAfterCreation },
    });
    expect(await awaitConfirm("pending", { [AWAITING_SINCE]: longAfterCreation }, longAfterCreation + WINDOW_MS)).toEqual({
      kind: "wait",
      delayMs: POLL_MS,
    });
  });

  it("stalls with ARWEAVE_TIMEOUT when a known upload outlives the window", async () => {
    const result = await awaitConfirm("pending", { [AWAITING_SINCE]: 1_000 }, 1_000 + WINDOW_MS + 1);
    expect(result).toMatchObject({ kind: "stall", code: "ARWEAVE_TIMEOUT" });
  });

  it("uploads again when the network lost the transaction", async () => {
    expect(await awaitConfirm("not_found", { [AWAITING_SINCE]: 1_000 }, 1_000 + WINDOW_MS + 1)).toEqual({
      kind: "next",
      step: "UPLOAD_EVIDENCE",
      remove: ["arweave_tx_id", "evidence_uri"],
    });
  });

  it("keeps waiting for an upload not yet seen while the window is open", async () => {
    expect(await awaitConfirm("not_found", { [AWAITING_SINCE]: 1_000 }, 2_000)).toEqual({ kind: "wait", delayMs: POLL_MS });
  });
});
