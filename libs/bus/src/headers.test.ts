import { describe, expect, it } from "@jest/globals";
import { headers, Match, type MsgHdrs } from "@nats-io/transport-node";
import fc from "fast-check";
import { BusHeaders, Header } from "./headers.js";

type Op = { kind: "append" | "set"; name: string; value: string; match: boolean };

const name = fc.oneof(fc.constantFrom(...Object.values(Header)), fc.constantFrom("X-Other", "nats-msg-id", "Bad Name", ""));
const value = fc.oneof(
  fc.string({ maxLength: 16 }),
  fc.constantFrom(" padded ", "a\r\nInjected: 1", "cr\ronly", "lf\nonly", "", "\t", "é€😀"),
);
const op = fc.record({ kind: fc.constantFrom("append" as const, "set" as const), name, value, match: fc.boolean() });

/** Applies the operations; the message of the first refusal, if any. */
function apply(set: MsgHdrs, ops: Op[]): string | undefined {
  try {
    for (const { kind, name, value, match } of ops) set[kind](name, value, match ? Match.Exact : undefined);
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

const bytes = (set: MsgHdrs) => (set as unknown as { encode(): Uint8Array }).encode();

describe("BusHeaders", () => {
  it("builds and serializes the same header set as nats.js's, and refuses what it refuses, for any appends and sets", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 8 }), (ops) => {
        const theirs = headers();
        const ours = new BusHeaders();
        expect(apply(ours, ops)).toBe(apply(theirs, ops));
        expect(ours.toString()).toBe(theirs.toString());
        expect(Buffer.from(bytes(ours)).equals(Buffer.from(bytes(theirs)))).toBe(true);
        for (const key of Object.values(Header)) expect(ours.values(key)).toEqual(theirs.values(key));
      }),
      { numRuns: 3_000 },
    );
  });

  it("serializes through Node's pooled Buffer, not a new ArrayBuffer per publish", () => {
    const set = new BusHeaders();
    set.append(Header.type, "gatehouse.mining.v1.ShareAccepted");
    const encoded = bytes(set);
    expect(Buffer.isBuffer(encoded)).toBe(true);
    expect(encoded.buffer.byteLength).toBeGreaterThan(encoded.length);
  });
});
