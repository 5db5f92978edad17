/**
 * Redis Lua scripts whose KEYS and ARGV have names. A script is declared with its legend, name →
 * what it holds, in position order; its text opens with one `local` per name (`KEYS[i]` /
 * `ARGV[i]`) and per named constant, and `args` lays the values out by the same legend, so each
 * position is written once and the script body reads names.
 */

export interface LuaScriptSpec<K extends string, A extends string> {
  /** KEYS legend in position order: name → what the key is. */
  keys: Record<K, string>;
  /** ARGV legend in position order: name → what the value is, sentinels included. */
  argv: Record<A, string>;
  /** Named values (sentinels, flags) defined as Lua locals, so the body compares against names. */
  constants?: Record<string, string>;
  body: string;
}

export interface LuaScript<K extends string, A extends string> {
  readonly source: string;
  /** The arguments EVAL takes after the script text: the key count, then KEYS and ARGV in legend order. */
  args(keys: Record<K, string>, argv: Record<A, string>): [number, ...string[]];
}

/** Thrown at load time for a legend Lua cannot hold: a bad identifier, or a name used twice. */
export class LuaLegendError extends Error {
  override readonly name = "LuaLegendError";
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LUA_KEYWORDS = new Set(
  "and break do else elseif end false for function goto if in local nil not or repeat return then true until while".split(" "),
);

/** A Lua string literal of `value`. */
export const luaString = (value: string): string => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;

export function luaScript<const K extends string, const A extends string>(spec: LuaScriptSpec<K, A>): LuaScript<K, A> {
  const keyNames = Object.keys(spec.keys) as K[];
  const argvNames = Object.keys(spec.argv) as A[];
  const constants = Object.entries(spec.constants ?? {});
  const seen = new Set<string>();
  for (const name of [...keyNames, ...argvNames, ...constants.map(([name]) => name)]) {
    if (!IDENTIFIER.test(name) || LUA_KEYWORDS.has(name)) throw new LuaLegendError(`${name} is not a Lua identifier`);
    if (seen.has(name)) throw new LuaLegendError(`${name} is named twice`);
    seen.add(name);
  }
  const prelude = [
    ...keyNames.map((name, i) => `local ${name} = KEYS[${i + 1}]`),
    ...argvNames.map((name, i) => `local ${name} = ARGV[${i + 1}]`),
    ...constants.map(([name, value]) => `local ${name} = ${luaString(value)}`),
  ];
  return {
    source: `${prelude.join("\n")}\n${spec.body.trim()}`,
    args: (keys, argv) => [keyNames.length, ...keyNames.map((name) => keys[name]), ...argvNames.map((name) => argv[name])],
  };
}
