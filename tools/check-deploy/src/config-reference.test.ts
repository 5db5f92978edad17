import { describe, expect, it } from "@jest/globals";
import { z } from "zod";
import { configKeys, serviceSection, type ZodNode } from "./config-reference.js";
import { docFor, indexDocComments } from "./doc-comments.js";

const shared = `
export const natsConfig = z.strictObject({
  /** Root token of every subject. */
  subject_root: z.string().regex(/^[a-z]+(\\.[a-z]+)*$/, "tokens").default("gh"),
});
export function opsConfig(d: { a: string }) {
  return {
    // not a doc comment
    http_addr: z.string().default(d.a),
    /** Identifies this replica. */
    instance_id: z.string().default(""),
  };
}`;
const service = `
const member = z.strictObject({
  /** Node name, one subject token. */
  name: z.string(),
});
const limit = z.strictObject({ rps: z.number(), burst: z.number().int() });
export const configSchema = z.strictObject({
  ...opsConfig({ a: "x" }),
  nats: natsConfig,
  /** Table of the API: "quoted } braces" and \`template {\` do not confuse the scanner. */
  api: z.strictObject({
    /** Where the API listens. */
    addr: z.string().default("127.0.0.1:3000"),
  }).prefault({}),
  members: z.array(member).default([]),
  limit: limit.default({ rps: 5, burst: 10 }),
  mode: z.enum(["a", "b"]),
  ratio: z.number().optional(),
});`;

describe("doc comments", () => {
  it("find comments by key path, through spreads, aliases and array elements, and ignore line comments", () => {
    const index = indexDocComments(service, indexDocComments(shared));
    expect(docFor(index, "configSchema", ["nats", "subject_root"])).toBe("Root token of every subject.");
    expect(docFor(index, "configSchema", ["instance_id"])).toBe("Identifies this replica.");
    expect(docFor(index, "configSchema", ["http_addr"])).toBeUndefined();
    expect(docFor(index, "configSchema", ["api"])).toBe('Table of the API: "quoted } braces" and `template {` do not confuse the scanner.');
    expect(docFor(index, "configSchema", ["api", "addr"])).toBe("Where the API listens.");
    expect(docFor(index, "configSchema", ["members", "name"])).toBe("Node name, one subject token.");
  });
});

describe("config reference", () => {
  const schema = z.strictObject({
    http_addr: z.string().default("127.0.0.1:1"),
    api: z.strictObject({ addr: z.string().default("127.0.0.1:3000"), keys: z.array(z.string()).default([]) }).prefault({}),
    members: z.array(z.strictObject({ name: z.string() })).default([]),
    limit: z.strictObject({ rps: z.number(), burst: z.number().int() }).default({ rps: 5, burst: 10 }),
    mode: z.enum(["a", "b"]),
    ratio: z.number().optional(),
  }) as unknown as ZodNode;

  it("lists every key with its type, default and whether it is required", () => {
    expect(configKeys(schema)).toEqual([
      { path: ["http_addr"], type: "string", default: "127.0.0.1:1", required: false },
      { path: ["api", "addr"], type: "string", default: "127.0.0.1:3000", required: false },
      { path: ["api", "keys"], type: "array of string", default: [], required: false },
      { path: ["members"], type: "array of tables", default: [], required: false },
      { path: ["members[]", "name"], type: "string", required: true },
      { path: ["limit", "rps"], type: "number", default: 5, required: false },
      { path: ["limit", "burst"], type: "integer", default: 10, required: false },
      { path: ["mode"], type: '"a" | "b"', required: true },
      { path: ["ratio"], type: "number", required: false },
    ]);
  });

  it("renders a markdown table with environment variables and doc comments", () => {
    const docs = indexDocComments(
      "export const configSchema = z.strictObject({ api: z.strictObject({ /** Where it listens. */ addr: x }) });",
    );
    const text = serviceSection("miner-edge", schema, docs);
    expect(text).toContain('| `api.addr` | string | `"127.0.0.1:3000"` | `GH_MINER_EDGE_API_ADDR` | Where it listens. |');
    expect(text).toContain('| `mode` | "a" \\| "b" | **required** | `GH_MINER_EDGE_MODE` |  |');
    expect(text).toContain("| `members[].name` | string | **required** |  |  |");
  });
});
