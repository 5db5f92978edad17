import { randomBytes } from "node:crypto";
import { create, type DescMessage, fromBinary, toBinary } from "@bufbuild/protobuf";
import { StructSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { TemplateTransactionsSchema } from "@gatehouse/proto/mining/v1";
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { createMessage, messageFromBinary } from "./messages.js";
import { init, large, schemas } from "./testing/arbitrary-messages.js";
import { messageToBinary } from "./to-binary.js";

/** The fast path returns a pooled Buffer; protobuf-es (the fallback) a plain Uint8Array. */
const wroteItself = (bytes: Uint8Array) => Buffer.isBuffer(bytes);

/** Values of every kind, for any field: the wrong type, out of range, fractional, empty. */
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 32, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 3.5e38, Number.MAX_VALUE),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.string({ maxLength: 8 }),
  fc.constantFrom("12", "-3", "1e3", "0x10", "NaN", "", "18446744073709551616"),
  fc.uint8Array({ maxLength: 8 }),
  fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);

/** toBinary's outcome: its bytes, or the message of its refusal. */
function theirs(schema: DescMessage, message: object): { bytes: Uint8Array } | { error: string } {
  try {
    return { bytes: toBinary(schema, message as never) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

describe("messageToBinary", () => {
  it("writes toBinary's bytes itself for any value of every Gatehouse message", () => {
    expect(schemas.length).toBeGreaterThan(50);
    for (const schema of schemas) {
      fc.assert(
        fc.property(init(schema), (given) => {
          const message = createMessage(schema, given as never);
          const bytes = messageToBinary(schema, message);
          expect(wroteItself(bytes)).toBe(true);
          expect(Buffer.from(bytes).equals(toBinary(schema, message))).toBe(true);
        }),
        { numRuns: 60 },
      );
    }
  });

  it("gives toBinary's bytes or toBinary's refusal when a field holds a value of any other kind", () => {
    for (const schema of schemas) {
      const names = schema.fields.filter((field) => !field.oneof).map((field) => field.localName);
      if (names.length === 0) continue;
      fc.assert(
        fc.property(init(schema, 1), fc.constantFrom(...names), anyValue, (given, name, value) => {
          const message = createMessage(schema, given as never);
          (message as Record<string, unknown>)[name] = value;
          const expected = theirs(schema, message);
          if ("error" in expected) {
            expect(() => messageToBinary(schema, message)).toThrow(expected.error);
          } else {
            expect(Buffer.from(messageToBinary(schema, message)).equals(expected.bytes)).toBe(true);
          }
        }),
        { numRuns: 40 },
      );
    }
  });

  it("writes back the unknown fields a decode kept, for any bytes", () => {
    for (const schema of large) {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
          let message: ReturnType<typeof fromBinary>;
          try {
            message = fromBinary(schema, bytes);
          } catch {
            return;
          }
          const expected = toBinary(schema, message);
          expect(Buffer.from(messageToBinary(schema, message)).equals(expected)).toBe(true);
          expect(Buffer.from(messageToBinary(schema, messageFromBinary(schema, bytes))).equals(expected)).toBe(true);
        }),
        { numRuns: 2_000 },
      );
    }
  });

  it("writes a mainnet-size template's 4 MB of transactions, and each result stays its own after later writes", () => {
    // About 3,000 transactions of 1,300 bytes: a full block's worth, past the buffer kept between calls.
    const transactions = Array.from({ length: 3_000 }, (_, i) => ({
      data: randomBytes(1_300),
      txid: randomBytes(32).toString("hex"),
      wtxid: randomBytes(32).toString("hex"),
      fee: BigInt(i * 250),
      sigops: 4,
      weight: 5_200,
      depends: i > 0 ? [i] : [],
    }));
    const full = createMessage(TemplateTransactionsSchema, { templateId: 9n, sourceInstanceId: "tp-1", transactions });
    const small = createMessage(TemplateTransactionsSchema, { templateId: 10n, transactions: transactions.slice(0, 2) });
    const first = messageToBinary(TemplateTransactionsSchema, full);
    const second = messageToBinary(TemplateTransactionsSchema, small);
    const third = messageToBinary(TemplateTransactionsSchema, full);
    expect(first.length).toBeGreaterThan(4_000_000);
    expect(Buffer.from(first).equals(toBinary(TemplateTransactionsSchema, full))).toBe(true);
    expect(Buffer.from(second).equals(toBinary(TemplateTransactionsSchema, small))).toBe(true);
    expect(Buffer.from(third).equals(Buffer.from(first))).toBe(true);
  });

  it("leaves a schema it does not write (a map of messages) to protobuf-es", () => {
    const struct = create(StructSchema, { fields: { a: create(ValueSchema, { kind: { case: "numberValue", value: 1 } }) } });
    const bytes = messageToBinary(StructSchema, struct);
    expect(wroteItself(bytes)).toBe(false);
    expect(bytes).toEqual(toBinary(StructSchema, struct));
  });
});
