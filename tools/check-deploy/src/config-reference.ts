// Generates docs/config-reference.md from each service's config schema (services/<svc>/dist/config.js)
// and the doc comments in its sources. `--check` fails when the committed file is stale.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { envPrefix } from "@gatehouse/service";
import { type DocIndex, docFor, indexDocComments } from "./doc-comments.js";

/** The parts of zod 4's runtime definition (`schema._zod.def`) this generator reads. */
export interface ZodNode {
  _zod: {
    def: {
      type: string;
      innerType?: ZodNode;
      shape?: Record<string, ZodNode>;
      element?: ZodNode;
      options?: ZodNode[];
      entries?: Record<string, string | number>;
      values?: unknown[];
      defaultValue?: unknown;
      in?: ZodNode;
      checks?: { _zod: { def: { check: string; format?: string } } }[];
      format?: string;
      valueType?: ZodNode;
    };
  };
}

export interface ConfigKey {
  path: string[];
  type: string;
  default?: unknown;
  required: boolean;
}

const WRAPPERS = new Set(["default", "prefault", "optional", "nullable", "readonly", "catch", "nonoptional"]);

/** A readable type for a leaf schema. */
export function typeName(node: ZodNode): string {
  const def = node._zod.def;
  if (WRAPPERS.has(def.type) && def.innerType) return typeName(def.innerType);
  switch (def.type) {
    case "pipe":
      return def.in ? typeName(def.in) : "value";
    case "number":
      return def.format?.includes("int") || def.checks?.some((c) => c._zod.def.format?.includes("int")) ? "integer" : "number";
    case "enum":
      return Object.values(def.entries ?? {})
        .map((v) => JSON.stringify(v))
        .join(" | ");
    case "literal":
      return (def.values ?? []).map((v) => JSON.stringify(v)).join(" | ");
    case "array":
      return def.element ? `array of ${typeName(def.element)}` : "array";
    case "union":
      return (def.options ?? []).map(typeName).join(" or ");
    case "object":
      return `table {${Object.keys(def.shape ?? {}).join(", ")}}`;
    case "record":
      return def.valueType ? `table of ${typeName(def.valueType)}` : "table";
    default:
      return def.type;
  }
}

/** Every key of a config schema: nested tables flattened to paths, array-of-table fields under `key[]`. */
export function configKeys(
  schema: ZodNode,
  prefix: string[] = [],
  inherited: { default?: unknown; optional: boolean } = { optional: false },
): ConfigKey[] {
  let node = schema;
  let fallback: unknown = inherited.default;
  let optional = inherited.optional;
  while (WRAPPERS.has(node._zod.def.type) && node._zod.def.innerType) {
    if (node._zod.def.type === "default" && fallback === undefined) fallback = node._zod.def.defaultValue;
    if (node._zod.def.type === "optional" || node._zod.def.type === "prefault") optional = true;
    node = node._zod.def.innerType;
  }
  if (node._zod.def.type === "pipe" && node._zod.def.in) node = node._zod.def.in;
  const def = node._zod.def;
  if (def.type === "object" && def.shape) {
    // A table with a default (or none required) gives its keys their defaults and makes them optional.
    const tableDefault = typeof fallback === "object" && fallback !== null ? (fallback as Record<string, unknown>) : {};
    return Object.entries(def.shape).flatMap(([key, child]) =>
      configKeys(child, [...prefix, key], { default: tableDefault[key], optional: optional || fallback !== undefined }),
    );
  }
  const key: ConfigKey = { path: prefix, type: typeName(node), required: !optional && fallback === undefined };
  if (fallback !== undefined) key.default = typeof fallback === "function" ? (fallback as () => unknown)() : fallback;
  const element = def.type === "array" ? def.element : undefined;
  const elementObject = element && unwrap(element)._zod.def.type === "object";
  if (element && elementObject) {
    key.type = "array of tables";
    return [key, ...configKeys(unwrap(element), [...prefix.slice(0, -1), `${prefix[prefix.length - 1]}[]`], { optional: false })];
  }
  return [key];
}

function unwrap(node: ZodNode): ZodNode {
  let current = node;
  while (current._zod.def.innerType) current = current._zod.def.innerType;
  return current;
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return entry.endsWith(".ts") && !entry.endsWith(".test.ts") ? [path] : [];
  });
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const format = (value: unknown) => (value === undefined ? "" : `\`${JSON.stringify(value)}\``);

/** The reference section of one service. */
export function serviceSection(service: string, schema: ZodNode, docs: DocIndex): string {
  const prefix = envPrefix(service);
  const rows = configKeys(schema).map((key) => {
    const name = key.path.join(".");
    const docPath = key.path.map((p) => p.replace(/\[\]$/, ""));
    const env = name.includes("[]") ? "" : `\`${prefix}${key.path.join("_").toUpperCase()}\``;
    const doc = docFor(docs, "configSchema", docPath) ?? "";
    return `| \`${name}\` | ${cell(key.type)} | ${key.required ? "**required**" : cell(format(key.default))} | ${env} | ${cell(doc)} |`;
  });
  return [`## ${service}`, "", "| Key | Type | Default | Environment | Description |", "|---|---|---|---|---|", ...rows, ""].join("\n");
}

export async function renderReference(root: string, services: string[]): Promise<string> {
  const sections: string[] = [];
  for (const service of services) {
    const module = (await import(pathToFileURL(join(root, "services", service, "dist", "config.js")).href)) as { configSchema: ZodNode };
    const docs: DocIndex = { comments: new Map(), aliases: new Map() };
    // Shared schemas first, so a service's own comment for the same container path wins. Only
    // configuration sources: other modules' object literals must not lend their comments.
    const own = join(root, "services", service, "src");
    const files = [
      ...sourceFiles(join(root, "libs", "service", "src", "config")),
      ...[join(own, "config.ts")].filter((f) => existsSync(f)),
      ...sourceFiles(join(own, "config")),
    ];
    for (const file of files) indexDocComments(readFileSync(file, "utf8"), docs);
    sections.push(serviceSection(service, module.configSchema, docs));
  }
  return [
    "# Configuration reference",
    "",
    "<!-- Generated by `node tools/check-deploy/dist/config-reference.js` from each service's config schema; do not edit. -->",
    "",
    "Every key of every service. Set keys in the TOML file given with `--config` (nested keys are",
    "tables: `api.addr` is `addr` under `[api]`) or with the environment variable shown (nested keys",
    "joined by `_`; arrays and tables as TOML values). Unknown keys are errors. Keys under `name[]`",
    "are the fields of each table in that array.",
    "",
    ...sections,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
  const services = readdirSync(join(root, "services"))
    .filter((name) => existsSync(join(root, "services", name, "package.json")))
    .sort();
  const target = join(root, "docs", "config-reference.md");
  const text = await renderReference(root, services);
  if (process.argv.includes("--check")) {
    if (!existsSync(target) || readFileSync(target, "utf8") !== text) {
      process.stderr.write("docs/config-reference.md is stale: run `node tools/check-deploy/dist/config-reference.js` and commit it\n");
      process.exit(1);
    }
    process.stdout.write("docs: docs/config-reference.md matches the config schemas\n");
  } else {
    writeFileSync(target, text);
    process.stdout.write(`wrote ${target}\n`);
  }
}
