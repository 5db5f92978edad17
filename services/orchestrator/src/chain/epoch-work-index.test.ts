import { describe, expect, it } from "@jest/globals";
import type { Hex } from "viem";
import { EpochWorkIndex, type EpochWorkSource } from "./epoch-work-index.js";
import { REORG_MARGIN_BLOCKS } from "./log-range.js";

const STUDIO = "0x00000000000000000000000000000000000000AA";
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;
const limits = { maxRangeBlocks: 2_000n, startBlock: 0n };

/** A chain whose reads answer when the test says so, recording what was asked. */
function chain(head = 1_000n) {
  const calls: string[] = [];
  const pending: Array<() => void> = [];
  const waiting: Array<{ reads: number; resolve: () => void }> = [];
  const state = { head, registered: [] as Hex[], gated: false };
  const read = <T>(call: string, value: () => T): Promise<T> => {
    calls.push(call);
    for (const w of waiting.filter((w) => calls.length >= w.reads)) w.resolve();
    return state.gated ? new Promise<T>((resolve) => pending.push(() => resolve(value()))) : Promise.resolve(value());
  };
  const source: EpochWorkSource = {
    head: async () => state.head,
    list: (studio, epoch) => read(`list ${studio}/${epoch}`, () => [...state.registered]),
    registeredSince: (studio, epoch, fromBlock) => read(`logs ${studio}/${epoch} from ${fromBlock}`, () => [...state.registered]),
  };
  /** Resolves once `reads` reads have been asked for. */
  const asked = (reads: number) => new Promise<void>((resolve) => (calls.length >= reads ? resolve() : waiting.push({ reads, resolve })));
  const release = () => {
    for (const resolve of pending.splice(0)) resolve();
  };
  return { source, calls, state, asked, release };
}

describe("EpochWorkIndex", () => {
  it("reads an epoch's list once, then only its registrations since the head it was read at", async () => {
    const c = chain();
    const index = new EpochWorkIndex(c.source, limits);
    expect(await index.isRegistered(STUDIO, 1, hash(1))).toBe(false);
    c.state.head = 1_010n;
    c.state.registered.push(hash(1));
    expect(await index.isRegistered(STUDIO, 1, hash(2))).toBe(false);
    // known registered now: answered without a read
    expect(await index.isRegistered(STUDIO, 1, hash(1))).toBe(true);
    expect(await index.isRegistered(STUDIO, 1, hash(3))).toBe(false);
    expect(c.calls).toEqual([
      `list ${STUDIO}/1`,
      `logs ${STUDIO}/1 from ${1_000n - REORG_MARGIN_BLOCKS}`,
      `logs ${STUDIO}/1 from ${1_010n - REORG_MARGIN_BLOCKS}`,
    ]);
  });

  it("keeps each (studio, epoch) apart and compares hashes in any case", async () => {
    const c = chain();
    c.state.registered.push(hash(0xab));
    const index = new EpochWorkIndex(c.source, limits);
    expect(await index.isRegistered(STUDIO, 1, hash(0xab).toUpperCase().replace("0X", "0x") as Hex)).toBe(true);
    c.state.registered = [];
    expect(await index.isRegistered(STUDIO.toLowerCase(), 2, hash(0xab))).toBe(false);
    expect(c.calls).toEqual([`list ${STUDIO}/1`, `list ${STUDIO.toLowerCase()}/2`]);
  });

  it("answers a whole epoch's concurrent questions with one read", async () => {
    const c = chain();
    c.state.gated = true;
    const index = new EpochWorkIndex(c.source, limits);
    const answers = Array.from({ length: 50 }, (_, i) => index.isRegistered(STUDIO, 1, hash(i)));
    await c.asked(1);
    c.release();
    await c.asked(2);
    c.release();
    expect(await Promise.all(answers)).toEqual(answers.map(() => false));
    // the first question's read, and one more shared by the 49 asked while it was in flight
    expect(c.calls).toEqual([`list ${STUDIO}/1`, `logs ${STUDIO}/1 from ${1_000n - REORG_MARGIN_BLOCKS}`]);
  });

  it("answers a question asked while a read is in flight from a read issued after it", async () => {
    const c = chain();
    c.state.gated = true;
    const index = new EpochWorkIndex(c.source, limits);
    const first = index.isRegistered(STUDIO, 1, hash(1));
    await c.asked(1);
    // The work's registration lands after the first read was issued, before the second question.
    c.state.registered.push(hash(7));
    c.state.head = 1_001n;
    const second = index.isRegistered(STUDIO, 1, hash(7));
    c.release();
    await c.asked(2);
    c.release();
    // The chain answers a read when it is released: both see the registration; only the second had to.
    expect(await second).toBe(true);
    expect(await first).toBe(false);
    expect(c.calls).toHaveLength(2);
  });

  it("reads the list again when the chain went back below the head it was read at, or too far ahead for one query", async () => {
    const c = chain();
    const index = new EpochWorkIndex(c.source, limits);
    await index.isRegistered(STUDIO, 1, hash(1));
    c.state.head = 900n;
    await index.isRegistered(STUDIO, 1, hash(1));
    c.state.head = 900n + limits.maxRangeBlocks;
    await index.isRegistered(STUDIO, 1, hash(1));
    expect(c.calls).toEqual([`list ${STUDIO}/1`, `list ${STUDIO}/1`, `list ${STUDIO}/1`]);
  });

  it("drops the epoch asked about least recently beyond its bound, and reads it afresh", async () => {
    const c = chain();
    const index = new EpochWorkIndex(c.source, limits, 2);
    for (const epoch of [1, 2, 1, 3, 1, 2]) await index.isRegistered(STUDIO, epoch, hash(1));
    const lists = c.calls.filter((call) => call.startsWith("list")).map((call) => call.split("/")[1]);
    // 1, 2 read; 1 again from logs; 3 drops 2; 1 from logs; 2 read afresh
    expect(lists).toEqual(["1", "2", "3", "2"]);
  });

  it("passes a failed read to every question waiting on it, and reads again on the next", async () => {
    const c = chain();
    let fail = true;
    const list = c.source.list;
    c.source.list = (studio, epoch) => (fail ? Promise.reject(new Error("node down")) : list(studio, epoch));
    const index = new EpochWorkIndex(c.source, limits);
    await expect(index.isRegistered(STUDIO, 1, hash(1))).rejects.toThrow("node down");
    fail = false;
    expect(await index.isRegistered(STUDIO, 1, hash(1))).toBe(false);
    expect(c.calls).toEqual([`list ${STUDIO}/1`]);
  });
});
