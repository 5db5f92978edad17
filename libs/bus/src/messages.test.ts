import { setFlagsFromString } from "node:v8";
import { create, type DescField, type DescMessage, equals, fromBinary, ScalarType, toBinary } from "@bufbuild/protobuf";
import { files } from "@gatehouse/proto";
import { EdgeEventSchema } from "@gatehouse/proto/mining/v1";
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { createMessage, messageFromBinary } from "./messages.js";

setFlagsFromString("--allow-natives-syntax");
/** V8's own answer: are the object's properties in a fixed layout rather than a hash table? */
const hasFastProperties = new Function("object", "return %HasFastProperties(object)") as (object: object) => boolean;
/** Whether V8 gives two objects the same shape (hidden class). */
const haveSameMap = new Function("a", "b", "return %HaveSameMap(a, b)") as (a: object, b: object) => boolean;

/** Every message of the Gatehouse contracts, nested ones included. */
function allSchemas(): DescMessage[] {
  const out: DescMessage[] = [];
  const walk = (message: DescMessage) => {
    out.push(message);
    for (const nested of message.nestedMessages) walk(nested);
  };
  for (const file of files) for (const message of file.messages) walk(message);
  return out;
}

const schemas = allSchemas();
const byName = (name: string) => schemas.find((schema) => schema.typeName === name) as DescMessage;
const large = ["gatehouse.mining.v1.ShareAccepted", "gatehouse.mining.v1.TemplateProposal", "gatehouse.mining.v1.BlockFound"].map(byName);

/** An init value for one scalar type, in the forms an init object may give it. */
function scalar(type: ScalarType): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.STRING:
      return fc.string({ maxLength: 12 });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.BYTES:
      return fc.oneof(fc.uint8Array({ maxLength: 12 }), fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 6 }));
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return fc.double({ noNaN: true });
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    default:
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
  }
}

/** An init object for `schema`: each member absent, null or a value; nested messages to `depth`. */
function init(schema: DescMessage, depth = 2): fc.Arbitrary<Record<string, unknown>> {
  const value = (field: DescField): fc.Arbitrary<unknown> => {
    switch (field.fieldKind) {
      case "scalar":
        return scalar(field.scalar);
      case "enum":
        return fc.constantFrom(...field.enum.values.map((v) => v.number));
      case "message":
        return depth > 0 ? init(field.message, depth - 1) : fc.constant(undefined);
      case "list":
        if (field.listKind === "message") return depth > 0 ? fc.array(init(field.message, depth - 1), { maxLength: 3 }) : fc.constant([]);
        if (field.listKind === "enum") return fc.array(fc.constantFrom(...field.enum.values.map((v) => v.number)), { maxLength: 3 });
        return fc.array(scalar(field.scalar), { maxLength: 3 });
      case "map":
        return fc.constant({});
    }
  };
  const members: Record<string, fc.Arbitrary<unknown>> = {};
  for (const member of schema.members) {
    const given =
      member.kind === "oneof"
        ? fc.oneof(fc.constant({ case: undefined }), ...member.fields.map((f) => value(f).map((v) => ({ case: f.localName, value: v }))))
        : value(member);
    members[member.localName] = fc.option(given, { nil: undefined });
  }
  return fc.record(members, { requiredKeys: [] });
}

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
