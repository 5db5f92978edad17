import { describe, expect, it } from "@jest/globals";
import { BAD_KINDS, chooseKind, lowestFixedBit, type MutationContext, mutateShare, needsWork, UNKNOWN_JOB_ID } from "./bad-shares.js";
import { EdgeProtocolError } from "./errors.js";

const share = { channelId: 3, jobId: 7, nonce: 42, ntime: 1_800_000_000, version: 0x20000000 };
const ctx: MutationContext = { staleJobId: 5, minNtime: 1_800_000_000, versionMask: 0x1fffe000, lastAccepted: { ...share, nonce: 41 } };

describe("bad shares", () => {
  it("chooses kinds by cumulative fraction in a fixed order, the rest good", () => {
    const mix = { stale: 0.125, replay: 0.25 };
    expect(chooseKind(mix, 0)).toBe("stale");
    expect(chooseKind(mix, 0.1249)).toBe("stale");
    expect(chooseKind(mix, 0.125)).toBe("replay");
    expect(chooseKind(mix, 0.3749)).toBe("replay");
    expect(chooseKind(mix, 0.375)).toBe("good");
    expect(chooseKind({}, 0)).toBe("good");
    const all = Object.fromEntries(BAD_KINDS.map((k) => [k, 1 / BAD_KINDS.length]));
    expect(BAD_KINDS.map((_, i) => chooseKind(all, (i + 0.5) / BAD_KINDS.length))).toEqual([...BAD_KINDS]);
  });

  it("mutates exactly the field each rejection is about", () => {
    expect(mutateShare("stale", share, ctx)).toEqual({ ...share, jobId: 5 });
    expect(mutateShare("unknown_job", share, ctx)).toEqual({ ...share, jobId: UNKNOWN_JOB_ID });
    expect(mutateShare("wrong_channel", share, ctx)).toEqual({ ...share, channelId: 0x40000003 });
    expect(mutateShare("ntime", share, ctx)).toEqual({ ...share, ntime: ctx.minNtime - 1 });
    expect(mutateShare("version", share, ctx)).toEqual({ ...share, version: 0x20000001 });
    expect(mutateShare("replay", share, ctx)).toEqual(ctx.lastAccepted);
  });

  it("cannot make a stale share before a tip change or a replay before an acceptance", () => {
    expect(mutateShare("stale", share, { ...ctx, staleJobId: undefined })).toBeUndefined();
    expect(mutateShare("replay", share, { ...ctx, lastAccepted: undefined })).toBeUndefined();
  });

  it("flips the lowest bit outside the rolling mask", () => {
    expect(lowestFixedBit(0x1fffe000)).toBe(1);
    expect(lowestFixedBit(0x1fffffff)).toBe(0x20000000);
    expect(lowestFixedBit(0x7fffffff)).toBe(0x80000000);
    expect(() => lowestFixedBit(0xffffffff)).toThrow(EdgeProtocolError);
    expect(() => lowestFixedBit(0xffffffff)).toThrow(/no fixed bit/);
  });

  it("only good and below-target shares need hashing", () => {
    expect(BAD_KINDS.filter(needsWork)).toEqual(["below_target"]);
    expect(needsWork("good")).toBe(true);
  });
});
