// Random Gatehouse messages for the property tests of messages.ts and to-binary.ts (not built into dist).
import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { files } from "@gatehouse/proto";
import fc from "fast-check";

/** Every message of the Gatehouse contracts, nested ones included. */
export function allSchemas(): DescMessage[] {
  const out: DescMessage[] = [];
  const walk = (message: DescMessage) => {
    out.push(message);
    for (const nested of message.nestedMessages) walk(nested);
  };
  for (const file of files) for (const message of file.messages) walk(message);
  return out;
}

export const schemas = allSchemas();
export const byName = (name: string) => schemas.find((schema) => schema.typeName === name) as DescMessage;
/** The messages of more than 16 fields. */
export const large = ["gatehouse.mining.v1.ShareAccepted", "gatehouse.mining.v1.TemplateProposal", "gatehouse.mining.v1.BlockFound"].map(
  byName,
);

/**
 * An init value for one scalar type, in the forms an init object may give it. Strings and bytes
 * reach past 127 bytes (a two-byte length) and strings hold any UTF-16, lone surrogates included.
 */
export function scalar(type: ScalarType): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.STRING:
      return fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.string({ unit: "binary", maxLength: 90 }),
        // Fewer than 128 UTF-16 units, yet 128 bytes or more of UTF-8: the length prefix outgrows its guess.
        fc.string({ unit: fc.constantFrom("a", "é", "€", "😀"), minLength: 40, maxLength: 140 }),
        fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 200 }),
      );
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.BYTES:
      return fc.oneof(
        fc.uint8Array({ maxLength: 12 }),
        fc.uint8Array({ minLength: 120, maxLength: 300 }),
        fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 6 }),
      );
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
export function init(schema: DescMessage, depth = 2): fc.Arbitrary<Record<string, unknown>> {
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
