import { describe, expect, it } from "@jest/globals";
import { headers, MsgHdrsImpl } from "@nats-io/transport-node";
import fc from "fast-check";
import { headerValue } from "./received-headers.js";

const bytes = (text: string) => new TextEncoder().encode(text);
/** nats.js's own reading of a header block: what `msg.headers.get(name)` gives. */
const theirs = (block: Uint8Array, name: string) => MsgHdrsImpl.decode(block).get(name) || undefined;
const ours = (block: Uint8Array, name: string) => headerValue(block, block.length, name);

/** Header names as nats.js accepts them (printable ASCII but the colon), some of them alike but for case or a suffix. */
const headerName = fc.oneof(
  fc.constantFrom("Gh-Type", "gh-type", "GH-TYPE", "Gh-Type-X", "X-Gh-Type", "traceparent", "Nats-Msg-Id", "Content-Type"),
  fc.string({
    unit: fc
      .integer({ min: 33, max: 126 })
      .filter((c) => c !== 58)
      .map((c) => String.fromCharCode(c)),
    minLength: 1,
    maxLength: 12,
  }),
);
/** Values of any text but CR and LF, with surrounding spaces and colons now and then. */
const headerValueText = fc.oneof(
  fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, "")),
  fc.string({ unit: "binary", maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, "")),
  fc.constantFrom("", " ", "  gatehouse.mining.v1.ShareAccepted  ", "a: b", "Gh-Type: inner", "\t tab\t"),
);

describe("headerValue", () => {
  it("reads from a header block what nats.js's decoder reads, for any headers nats.js writes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(headerName, headerValueText), { maxLength: 8 }),
        fc.option(
          fc.tuple(
            fc.integer({ min: 100, max: 599 }),
            fc.string({ maxLength: 10 }).map((s) => s.replace(/[\r\n]/g, "x")),
          ),
        ),
        headerName,
        (pairs, status, asked) => {
          const h = status ? headers(status[0], status[1] || "status") : headers();
          for (const [name, value] of pairs) h.append(name, value);
          const block = (h as unknown as { encode(): Uint8Array }).encode();
          if (block.length === 0) return;
          for (const name of [asked, ...pairs.map(([n]) => n)]) expect(ours(block, name)).toBe(theirs(block, name));
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it("matches keys exactly, takes the first of repeated keys, and trims values as nats.js does", () => {
    const block = bytes(
      "NATS/1.0 503 No Responders\r\ngh-type: lower\r\nX-Note: Gh-Type: in a value\r\nGh-Type:  first \r\nGh-Type: second\r\n\r\n",
    );
    expect(ours(block, "Gh-Type")).toBe("first");
    expect(ours(block, "Gh-Type")).toBe(theirs(block, "Gh-Type"));
    expect(ours(block, "gh-type")).toBe("lower");
    expect(ours(block, "X-Note")).toBe("Gh-Type: in a value");
    expect(ours(block, "Absent")).toBeUndefined();
  });

  it("reads nothing beyond the block's end, nor a key cut off by it, nor the status line", () => {
    const block = bytes("NATS/1.0\r\nGh-Type: a.B\r\n\r\npayload Gh-Type: x");
    expect(headerValue(block, 25, "Gh-Type")).toBe("a.B");
    expect(headerValue(block, 14, "Gh-Type")).toBeUndefined();
    expect(headerValue(bytes("Gh-Type: status"), 15, "Gh-Type")).toBeUndefined();
    expect(headerValue(bytes("NATS/1.0\r\nGh-Type: "), 19, "Gh-Type")).toBeUndefined();
  });
});
