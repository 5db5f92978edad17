import { describe, expect, it } from "@jest/globals";
import { zeroAddress } from "viem";
import { chainReader, stepContext, unexpected, workRecord } from "../../../test/fixtures.js";
import type { EvidenceStatus } from "../../evidence/store.js";
import { AWAITING_SINCE, withNoted } from "./context.js";
import { isRegistered, UNREGISTERED_AT, workSteps } from "./work.js";

const WINDOW_MS = 60_000;
const POLL_MS = 5_000;

/** The confirmation wait alone: only the evidence store, the clock and the workflow's progress matter. */
function awaitConfirm(status: EvidenceStatus, progress: Record<string, unknown>, now: number) {
  const wf = workRecord("RUNNING", {
    id: "wf",
    step: "AWAIT_ARWEAVE_CONFIRM",
    createdAt: 0,
    updatedAt: 0,
    input: { studio_address: zeroAddress, epoch: 1, agent_address: zeroAddress, data_hash: "0x01", signer_address: zeroAddress },
    progress: { arweave_tx_id: "tx-1", evidence_uri: "ar://tx-1", ...progress },
    signer: zeroAddress,
    studio: zeroAddress,
  });
  const ctx = stepContext(wf, now, {
    evidence: { kind: "test", pollIntervalMs: POLL_MS, status: async () => status, put: unexpected, get: unexpected },
    evidenceWindowMs: WINDOW_MS,
  });
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

describe("registration reads", () => {
  const registering = (
    progress: Record<string, unknown>,
    answers: Array<{ registered: true } | { registered: false; unregisteredAt: number }>,
  ) => {
    const asked: Array<number | undefined> = [];
    const wf = workRecord("RUNNING", { step: "REGISTER_WORK", progress });
    const ctx = stepContext(wf, 1_000, {
      chain: chainReader({
        workRegistration: async (_studio, _epoch, _hash, since) => {
          asked.push(since);
          return answers.shift() ?? unexpected();
        },
      }),
    });
    return { ctx, asked };
  };

  it("notes the block a work was read unregistered at and reads only since then next time", async () => {
    const { ctx, asked } = registering({}, [
      { registered: false, unregisteredAt: 40 },
      { registered: false, unregisteredAt: 42 },
    ]);
    expect(await isRegistered(ctx)).toBe(false);
    expect(await isRegistered(ctx)).toBe(false);
    expect(asked).toEqual([undefined, 40]);
    expect(ctx.noted).toEqual({ [UNREGISTERED_AT]: 42 });
  });

  it("starts from the block a previous run checkpointed", async () => {
    const { ctx, asked } = registering({ [UNREGISTERED_AT]: 17 }, [{ registered: true }]);
    expect(await workSteps.REGISTER_WORK?.reconcile?.(ctx)).toMatchObject({ kind: "next", step: null, remove: [UNREGISTERED_AT] });
    expect(asked).toEqual([17]);
  });

  it("checkpoints what it noted with a result that moves on or waits, the result's own patch winning", () => {
    const noted = { [UNREGISTERED_AT]: 9, a: 1 };
    expect(withNoted({ kind: "next", step: "X", patch: { a: 2 } }, noted)).toEqual({
      kind: "next",
      step: "X",
      patch: { [UNREGISTERED_AT]: 9, a: 2 },
    });
    expect(withNoted({ kind: "wait", delayMs: 5 }, noted)).toEqual({ kind: "wait", delayMs: 5, patch: noted });
    const failed = { kind: "fail", code: "X", message: "x" } as const;
    expect(withNoted(failed, noted)).toBe(failed);
  });
});
