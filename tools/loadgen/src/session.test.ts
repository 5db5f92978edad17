import type { MessageFields, Sv2Client } from "@gatehouse/sv2";
import { describe, expect, it } from "@jest/globals";
import { type Pending, Session } from "./session.js";
import type { ChannelWork } from "./work.js";

function session(sentAt: number[]): Session {
  const s = new Session({} as Sv2Client, {} as ChannelWork, () => 0.5);
  sentAt.forEach((at, i) => {
    const share = { channelId: 1, jobId: 1, nonce: i, ntime: 0, version: 0, extranonce: new Uint8Array(0) };
    s.pending.set(i + 1, { sentAt: at, kind: "good", block: false, share, generation: 0, shareId: undefined } satisfies Pending);
  });
  return s;
}

const success = (lastSequenceNumber: number, newSubmitsAcceptedCount: number) =>
  ({ channelId: 1, lastSequenceNumber, newSubmitsAcceptedCount, newSharesSum: 0n }) as MessageFields<"SubmitSharesSuccess">;

describe("Session", () => {
  it("starts connections at different nonces", () => {
    expect(session([]).nonce).toBe(2 ** 31);
  });

  it("settles a Success's last sequence and the oldest shares before it, up to its count", () => {
    const s = session([0, 0, 0, 0]);
    expect(s.takeAcknowledged(success(3, 2)).map(([sequence]) => sequence)).toEqual([3, 1]);
    expect([...s.pending.keys()]).toEqual([2, 4]);
    // An unknown last sequence (answered already, or expired) still settles the oldest before it.
    expect(s.takeAcknowledged(success(9, 1)).map(([sequence]) => sequence)).toEqual([2]);
    expect([...s.pending.keys()]).toEqual([4]);
  });

  it("expires the shares sent before the cut-off, oldest first", () => {
    const s = session([10, 20, 30]);
    expect(s.expire(25)).toBe(2);
    expect([...s.pending.keys()]).toEqual([3]);
  });
});
