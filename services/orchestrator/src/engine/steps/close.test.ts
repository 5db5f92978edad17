import { describe, expect, it } from "@jest/globals";
import type { Address, Hex } from "viem";
import { AGENT, chainReader, STUDIO, stepContext, unexpected, workRecord } from "../../../test/fixtures.js";
import type { EpochClosure } from "../../chain/epoch-closure.js";
import type { TransactionsPort } from "../ports.js";
import { closeSteps, UNCLOSED_AT } from "./close.js";
import { type StepDefinition, withNoted } from "./context.js";

const stepOf = (name: string) => closeSteps[name] as StepDefinition;
const OURS = `0x${"0a".repeat(32)}` as Hex;
const THEIRS = `0x${"0b".repeat(32)}` as Hex;

/** A CloseEpoch at `step` whose chain answers `answers` in turn; the blocks each read was given are in `asked`. */
function closing(step: string, progress: Record<string, unknown>, answers: EpochClosure[], tx: Partial<TransactionsPort> = {}) {
  const asked: Array<number | undefined> = [];
  const wf = workRecord("RUNNING", {
    type: "CloseEpoch",
    step,
    input: { studio_address: STUDIO, epoch: 3, signer_address: AGENT },
    progress,
  });
  const ctx = stepContext(wf, 1_000, {
    chain: chainReader({
      epochClosure: async (_studio, _epoch, since) => {
        asked.push(since);
        return answers.shift() ?? unexpected();
      },
      rewardsOwner: async () => AGENT as Address,
      epochWork: async () => [OURS],
      workValidators: async () => [AGENT as Address],
    }),
    tx: { hasSigner: () => true, load: async () => undefined, submit: unexpected, checkAndRebroadcast: unexpected, ...tx },
  });
  return { ctx, asked };
}

describe("close-epoch reads", () => {
  it("the first check walks back (no block given) and the block it was read unclosed at is checkpointed with the step", async () => {
    const { ctx, asked } = closing("CHECK_PRECONDITIONS", {}, [{ closed: false, unclosedAt: 5_000 }]);
    const result = withNoted(await stepOf("CHECK_PRECONDITIONS").execute(ctx), ctx.noted);
    expect(asked).toEqual([undefined]);
    expect(result).toMatchObject({ kind: "next", step: "SUBMIT_CLOSE_EPOCH", patch: { [UNCLOSED_AT]: 5_000 } });
  });

  it("reconcile and the check under the signer lock read only since the last block the epoch was seen unclosed at", async () => {
    let stillNeeded: boolean | undefined;
    const { ctx, asked } = closing(
      "SUBMIT_CLOSE_EPOCH",
      { [UNCLOSED_AT]: 5_000 },
      [
        { closed: false, unclosedAt: 5_010 },
        { closed: false, unclosedAt: 5_011 },
      ],
      {
        submit: async (_key, _signer, _call, check) => {
          stillNeeded = await check?.();
          return OURS;
        },
      },
    );
    const step = stepOf("SUBMIT_CLOSE_EPOCH");
    expect(await step.reconcile?.(ctx)).toBeUndefined();
    const result = withNoted(await step.execute(ctx), ctx.noted);
    expect(asked).toEqual([5_000, 5_010]);
    expect(stillNeeded).toBe(true);
    expect(result).toEqual({ kind: "next", step: "AWAIT_TX_CONFIRM", patch: { close_tx_hash: OURS, [UNCLOSED_AT]: 5_011 } });
  });

  it("sends nothing when the check under the signer lock finds the epoch closed", async () => {
    let stillNeeded: boolean | undefined;
    const { ctx } = closing("SUBMIT_CLOSE_EPOCH", { [UNCLOSED_AT]: 5_000 }, [{ closed: true, txHash: THEIRS }], {
      submit: async (_key, _signer, _call, check) => {
        stillNeeded = await check?.();
        return undefined;
      },
    });
    expect(await closeSteps.SUBMIT_CLOSE_EPOCH?.execute(ctx)).toEqual({ kind: "next", step: "AWAIT_TX_CONFIRM", patch: {} });
    expect(stillNeeded).toBe(false);
  });

  it("an epoch closed by another transaction completes with already_closed; by ours, without; the block is dropped either way", async () => {
    const theirs = closing("CHECK_PRECONDITIONS", { [UNCLOSED_AT]: 5_000 }, [{ closed: true, txHash: THEIRS }]);
    expect(await closeSteps.CHECK_PRECONDITIONS?.execute(theirs.ctx)).toEqual({
      kind: "next",
      step: null,
      patch: { close_tx_hash: THEIRS, already_closed: true },
      remove: [UNCLOSED_AT],
    });
    const ours = closing("SUBMIT_CLOSE_EPOCH", { close_tx_hash: OURS, [UNCLOSED_AT]: 5_000 }, [{ closed: true, txHash: OURS }]);
    expect(await closeSteps.SUBMIT_CLOSE_EPOCH?.reconcile?.(ours.ctx)).toEqual({
      kind: "next",
      step: null,
      patch: { close_tx_hash: OURS },
      remove: [UNCLOSED_AT],
    });
  });
});
