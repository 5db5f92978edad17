import { setFlagsFromString } from "node:v8";
import { create, equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import { EdgeEventSchema } from "@gatehouse/proto/mining/v1";
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { createMessage, messageFromBinary } from "./messages.js";
import { byName, init, large, schemas } from "./testing/arbitrary-messages.js";

setFlagsFromString("--allow-natives-syntax");
/** V8's own answer: are the object's properties in a fixed layout rather than a hash table? */
const hasFastProperties = new Function("object", "return %HasFastProperties(object)") as (object: object) => boolean;
/** Whether V8 gives two objects the same shape (hidden class). */
const haveSameMap = new Function("a", "b", "return %HaveSameMap(a, b)") as (a: object, b: object) => boolean;

describe("createMessage", () => {
  it("gives every Gatehouse message's zero value, key for key, as protobuf-es's create does", () => {
    expect(schemas.length).toBeGreaterThan(50);
    for (const schema of schemas) {
      const ours = createMessage(schema) as Record<string, unknown>;
      const theirs = create(schema) as Record<string, unknown>;
      expect(Object.keys(ours)).toEqual(Object.keys(theirs));
      expect(ours).toStrictEqual(theirs);
      expect(hasFastProperties(ours)).toBe(true);
    }
  });

  it("builds the messages protobuf-es keeps in a hash table with a fixed layout instead", () => {
    for (const schema of large) {
      expect(hasFastProperties(create(schema))).toBe(false);
      expect(hasFastProperties(createMessage(schema))).toBe(true);
    }
  });

  it("keeps every message's fixed layout, one shape per schema, once its fields hold values of any kind", () => {
    for (const schema of schemas) {
      fc.assert(
        fc.property(init(schema), (given) => {
          const created = createMessage(schema, given as never);
          expect(hasFastProperties(created)).toBe(true);
          const bytes = toBinary(schema, created);
          const [a, b] = [messageFromBinary(schema, bytes), messageFromBinary(schema, bytes)];
          expect(hasFastProperties(a)).toBe(true);
          expect(haveSameMap(a, b)).toBe(true);
        }),
        { numRuns: 40 },
      );
    }
  });

  it("never shares a list or a oneof between two messages", () => {
    const a = createMessage(EdgeEventSchema);
    const b = createMessage(EdgeEventSchema);
    expect(a.detail).not.toBe(b.detail);
    const proposal = byName("gatehouse.mining.v1.TemplateProposal");
    const lists = proposal.fields.filter((f) => f.fieldKind === "list").map((f) => f.localName);
    expect(lists.length).toBeGreaterThan(0);
    const [p, q] = [createMessage(proposal), createMessage(proposal)] as Record<string, unknown>[];
    for (const name of lists) expect(p?.[name]).not.toBe(q?.[name]);
  });

  it("returns a message of the schema as it is", () => {
    const event = create(EdgeEventSchema, { eventId: "e" });
    expect(createMessage(EdgeEventSchema, event)).toBe(event);
  });

  it("equals protobuf-es's create for any init of any Gatehouse message, and serializes to the same bytes", () => {
    for (const schema of schemas) {
      fc.assert(
        fc.property(init(schema), (given) => {
          const ours = createMessage(schema, given as never);
          const theirs = create(schema, given as never);
          // The same own fields; a message field set from the init comes after the others.
          expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
          expect(equals(schema, ours, theirs)).toBe(true);
          expect(toBinary(schema, ours)).toEqual(toBinary(schema, theirs));
        }),
        { numRuns: 40 },
      );
    }
  });
});

describe("messageFromBinary", () => {
  it("reads what fromBinary reads, for any serialized Gatehouse message", () => {
    for (const schema of schemas) {
      fc.assert(
        fc.property(init(schema), (given) => {
          const bytes = toBinary(schema, create(schema, given as never));
          const ours = messageFromBinary(schema, bytes);
          expect(Object.keys(ours).sort()).toEqual(Object.keys(fromBinary(schema, bytes)).sort());
          expect(equals(schema, ours, fromBinary(schema, bytes))).toBe(true);
        }),
        { numRuns: 40 },
      );
    }
  });

  it("refuses what fromBinary refuses and keeps the unknown fields it keeps, for any bytes", () => {
    for (const schema of large) {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
          let theirs: unknown;
          try {
            theirs = fromBinary(schema, bytes);
          } catch (err) {
            expect(() => messageFromBinary(schema, bytes)).toThrow((err as Error).message);
            return;
          }
          const ours = messageFromBinary(schema, bytes);
          expect(equals(schema, ours, theirs as never)).toBe(true);
          expect(toBinary(schema, ours)).toEqual(toBinary(schema, theirs as never));
        }),
        { numRuns: 2_000 },
      );
    }
  });
});
