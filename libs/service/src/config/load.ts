import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import type { z } from "zod";

/** An invalid configuration: one line per problem. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

interface Leaf {
  path: string[];
  /** Text values are taken verbatim from the environment; others are parsed as TOML values. */
  text: boolean;
}

type ZodAny = z.ZodType & { _zod: { def: { type: string; innerType?: ZodAny; shape?: Record<string, ZodAny> } } };

function unwrap(schema: ZodAny): ZodAny {
  let current = schema;
  while (current._zod.def.innerType) current = current._zod.def.innerType;
  return current;
}

/** Every settable key of a schema, with nested tables flattened to paths. */
function leaves(schema: ZodAny, prefix: string[] = []): Leaf[] {
  const inner = unwrap(schema);
  const shape = inner._zod.def.type === "object" ? inner._zod.def.shape : undefined;
  if (!shape) {
    const type = inner._zod.def.type;
    return [{ path: prefix, text: type === "string" || type === "enum" }];
  }
  return Object.entries(shape).flatMap(([key, child]) => leaves(child, [...prefix, key]));
}

function envValue(raw: string, leaf: Leaf): unknown {
  if (leaf.text) return raw;
  try {
    return parseToml(`v = ${raw}`).v;
  } catch {
    return raw;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/** `GH_MINER_EDGE_` for service `miner-edge`. */
export function envPrefix(service: string): string {
  return `GH_${service.toUpperCase().replace(/-/g, "_")}_`;
}

export interface LoadOptions {
  service: string;
  /** TOML file; environment variables alone are enough when absent. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads the TOML file, applies `GH_<SERVICE>_<KEY>` overrides (nested keys joined by `_`, e.g.
 * `GH_MINER_EDGE_AUTH_MODE`) and validates against the schema. Unknown keys, in the file or the
 * environment, are errors: a typo must not silently fall back to a default.
 */
export function loadConfig<S extends z.ZodType>(schema: S, options: LoadOptions): z.output<S> {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  let raw: Record<string, unknown> = {};
  if (options.file) {
    try {
      raw = parseToml(readFileSync(options.file, "utf8")) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError([`config file ${options.file}: ${(err as Error).message.split("\n")[0]}`]);
    }
  }

  const prefix = envPrefix(options.service);
  const byEnvName = new Map(leaves(schema as unknown as ZodAny).map((leaf) => [leaf.path.join("_").toUpperCase(), leaf]));
  const fromEnv = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined || name === `${prefix}CONFIG`) continue;
    const leaf = byEnvName.get(name.slice(prefix.length));
    if (!leaf) {
      problems.push(`${name}: no config key of ${options.service} is named so`);
      continue;
    }
    setPath(raw, leaf.path, envValue(value, leaf));
    fromEnv.set(leaf.path.join("."), name);
  }

  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path.join(".");
      const source = fromEnv.get(key);
      problems.push(`${key || "(top level)"}: ${issue.message}${source ? ` (from ${source})` : ""}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return (result as { data: z.output<S> }).data;
}

const SECRET_KEY = /(secrets?|api_keys?|password|token|private_key)$/i;

function redactSecret(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecret);
  // A secret given as a table (`{ key, …limits }`): its `key` is the secret, the rest is plain.
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, child]) => [k, k === "key" ? redactSecret(child) : redactConfig(child)]));
  }
  return typeof value === "string" && value !== "" ? "[redacted]" : value;
}

/** A copy of a config with every secret-looking value replaced, for logs. */
export function redactConfig(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactConfig);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [key, SECRET_KEY.test(key) ? redactSecret(child) : redactConfig(child)]),
  );
}
