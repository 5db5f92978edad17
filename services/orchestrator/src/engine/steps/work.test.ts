import { describe, expect, it } from "@jest/globals";
import { type Address, zeroAddress } from "viem";
import { AGENT, chainReader, stepContext, unexpected, workRecord } from "../../../test/fixtures.js";
import type { TxRecord } from "../../chain/tx-record.js";
import type { EvidenceStatus } from "../../evidence/store.js";
import type { ChainReaderPort, TransactionsPort } from "../ports.js";
import { UNCLOSED_AT } from "./close.js";
import { AWAITING_SINCE, TxRevertedError, withNoted } from "./context.js";
import { workSteps } from "./work.js";

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

describe("what a step noted", () => {
  it("checkpoints what it noted with a result that moves on or waits, the result's own patch winning", () => {
    const noted = { [UNCLOSED_AT]: 9, a: 1 };
    expect(withNoted({ kind: "next", step: "X", patch: { a: 2 } }, noted)).toEqual({
      kind: "next",
      step: "X",
      patch: { [UNCLOSED_AT]: 9, a: 2 },
    });
    expect(withNoted({ kind: "wait", delayMs: 5 }, noted)).toEqual({ kind: "wait", delayMs: 5, patch: noted });
    const failed = { kind: "fail", code: "X", message: "x" } as const;
    expect(withNoted(failed, noted)).toBe(failed);
  });
});

describe("reconciling the chain steps reads the transaction store only when it must", () => {
  const HASH = `0x${"cd".repeat(32)}` as const;
  const signed = { key: "wf-1:SUBMIT_WORK_ONCHAIN", hashes: [HASH] } as unknown as TxRecord;
  const notRegistered = async () => false;
  const at = (step: string, chain: Partial<ChainReaderPort>, tx: Partial<TransactionsPort> = {}, signer = true) => {
    const ctx = stepContext(workRecord("RUNNING", { step }), 1_000, { chain: chainReader({ isWorkRegistered: notRegistered, ...chain }) });
    ctx.tx = { ...ctx.tx, hasSigner: () => signer, ...tx };
    return ctx;
  };

  it("SUBMIT_WORK_ONCHAIN: nothing on chain, so the submit finds any transaction of ours (no store read)", async () => {
    expect(
      await workSteps.SUBMIT_WORK_ONCHAIN?.reconcile?.(at("SUBMIT_WORK_ONCHAIN", { workSubmitter: async () => undefined })),
    ).toBeUndefined();
  });

  it("SUBMIT_WORK_ONCHAIN: our work on chain follows our transaction when one is recorded, else registers", async () => {
    const ours = { workSubmitter: async () => AGENT as Address };
    expect(await workSteps.SUBMIT_WORK_ONCHAIN?.reconcile?.(at("SUBMIT_WORK_ONCHAIN", ours, { load: async () => signed }))).toEqual({
      kind: "next",
      step: "AWAIT_TX_CONFIRM",
    });
    expect(
      await workSteps.SUBMIT_WORK_ONCHAIN?.reconcile?.(at("SUBMIT_WORK_ONCHAIN", ours, { load: async () => undefined })),
    ).toMatchObject({
      kind: "next",
      step: "REGISTER_WORK",
    });
  });

  it("REGISTER_WORK: not registered, so the submit finds any transaction of ours (no store read)", async () => {
    expect(await workSteps.REGISTER_WORK?.reconcile?.(at("REGISTER_WORK", {}))).toBeUndefined();
  });

  it("the submit of a transaction signed before answers its hash: the step moves on to its confirmation", async () => {
    const ctx = at("REGISTER_WORK", {}, { submit: async () => HASH });
    expect(await workSteps.REGISTER_WORK?.execute(ctx)).toEqual({
      kind: "next",
      step: "AWAIT_REGISTER_CONFIRM",
      patch: { register_tx_hash: HASH },
    });
  });

  it("a submit the tx manager found no longer needed reaches REGISTER_WORK through the wait, which finds our work on chain", async () => {
    // The work was pending when the reconcile read the chain and mined before the simulation: the
    // tx manager sends nothing and answers undefined (its own test covers that decision).
    let onChain: Address | undefined;
    const landed = at(
      "SUBMIT_WORK_ONCHAIN",
      { workSubmitter: async () => onChain },
      {
        submit: async () => {
          onChain = AGENT as Address;
          return undefined;
        },
        load: async () => undefined,
        checkAndRebroadcast: async () => ({ state: "none" }),
      },
    );
    expect(await workSteps.SUBMIT_WORK_ONCHAIN?.reconcile?.(landed)).toBeUndefined();
    expect(await workSteps.SUBMIT_WORK_ONCHAIN?.execute(landed)).toEqual({ kind: "next", step: "AWAIT_TX_CONFIRM", patch: {} });
    expect(await workSteps.AWAIT_TX_CONFIRM?.execute(landed)).toMatchObject({ kind: "next", step: "REGISTER_WORK" });

    const refused = async () => {
      throw new TxRevertedError({ reason: "Epoch closed", errorName: "Error", args: [] });
    };
    const absent = at("SUBMIT_WORK_ONCHAIN", { workSubmitter: async () => undefined }, { submit: refused });
    expect(await workSteps.SUBMIT_WORK_ONCHAIN?.execute(absent)).toEqual({ kind: "fail", code: "TX_REVERTED", message: "Epoch closed" });
  });

  it("without the signer, a transaction signed before is still followed; none fails SIGNER_UNAVAILABLE", async () => {
    const followed = at("REGISTER_WORK", {}, { load: async () => signed }, false);
    expect(await workSteps.REGISTER_WORK?.execute(followed)).toMatchObject({ kind: "next", step: "AWAIT_REGISTER_CONFIRM" });
    const none = at("REGISTER_WORK", {}, { load: async () => undefined }, false);
    expect(await workSteps.REGISTER_WORK?.execute(none)).toMatchObject({ kind: "fail", code: "SIGNER_UNAVAILABLE" });
  });
});
