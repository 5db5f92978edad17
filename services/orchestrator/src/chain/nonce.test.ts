import { describe, expect, it } from "@jest/globals";
import { decideNextNonce, hasConfirmations, numberBatch, pendingTxAction } from "./nonce.js";

describe("decideNextNonce", () => {
  it("continues the stored stream", () => {
    expect(decideNextNonce({ stored: 5, mined: 3, pending: 5 })).toEqual({ kind: "sign", nonce: 5 });
  });

  it("starts from the mined count when the store has numbered nothing", () => {
    expect(decideNextNonce({ stored: undefined, mined: 3, pending: 3 })).toEqual({ kind: "sign", nonce: 3 });
  });

  it("never signs below what the chain has mined (the key was used elsewhere)", () => {
    expect(decideNextNonce({ stored: 2, mined: 4, pending: 4 })).toEqual({ kind: "sign", nonce: 4 });
  });

  it("refuses to sign while the node holds pending transactions beyond the stream", () => {
    expect(decideNextNonce({ stored: 5, mined: 3, pending: 7 })).toEqual({ kind: "unrecorded_pending", nonce: 5, count: 2 });
    expect(decideNextNonce({ stored: undefined, mined: 0, pending: 1 })).toEqual({ kind: "unrecorded_pending", nonce: 0, count: 1 });
  });
});

describe("pendingTxAction", () => {
  const STUCK_MS = 30_000;
  const tx = { nonce: 4, sentAt: 1_000, known: true, mined: 0 };

  it("waits for a known transaction until it is stuck, then replaces it", () => {
    expect(pendingTxAction(tx, 1_000 + STUCK_MS, STUCK_MS)).toBe("wait");
    expect(pendingTxAction(tx, 1_001 + STUCK_MS, STUCK_MS)).toBe("replace");
  });

  it("re-broadcasts a transaction the node forgot while its nonce is unused", () => {
    expect(pendingTxAction({ ...tx, known: false, mined: 4 }, 1_000, STUCK_MS)).toBe("rebroadcast");
    expect(pendingTxAction({ ...tx, known: false, mined: 2 }, 1_000 + 2 * STUCK_MS, STUCK_MS)).toBe("rebroadcast");
  });

  it("leaves a forgotten transaction alone once its nonce was used", () => {
    expect(pendingTxAction({ ...tx, known: false, mined: 5 }, 1_000 + 2 * STUCK_MS, STUCK_MS)).toBe("wait");
  });
});

describe("hasConfirmations", () => {
  it("counts the receipt's own block", () => {
    expect(hasConfirmations(10n, 10n, 1)).toBe(true);
    expect(hasConfirmations(10n, 10n, 2)).toBe(false);
    expect(hasConfirmations(11n, 10n, 2)).toBe(true);
  });
});

describe("numberBatch", () => {
  it("numbers the needed calls consecutively in queue order", () => {
    expect(numberBatch(7, [true, true, true])).toEqual([7, 8, 9]);
  });

  it("gives a skipped call no nonce and leaves no gap", () => {
    expect(numberBatch(7, [true, false, true, false, true])).toEqual([7, undefined, 8, undefined, 9]);
    expect(numberBatch(0, [false, false])).toEqual([undefined, undefined]);
  });
});
