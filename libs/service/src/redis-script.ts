import type { ChainableCommander, Redis } from "ioredis";

type ScriptCall = (...keysAndArgs: (string | number)[]) => Promise<unknown>;

export class RedisScriptUsageError extends Error {
  override name = "RedisScriptUsageError";
}

/**
 * The one way Gatehouse calls Redis Lua: a named script registered with ioredis's defineCommand,
 * so each call sends EVALSHA (the 40-byte digest, not the body) and falls back to EVAL once when
 * the server answers NOSCRIPT (a restart or SCRIPT FLUSH). Keys get the client's key prefix like
 * any other command.
 */
export class RedisScript {
  readonly #defined = new WeakSet<object>();

  constructor(
    readonly name: string,
    readonly numberOfKeys: number,
    readonly lua: string,
  ) {}

  /** Runs the script with `keys` (exactly `numberOfKeys`) and `args`. */
  run(redis: Redis, keys: readonly string[], args: readonly (string | number)[] = []): Promise<unknown> {
    this.defineOn(redis);
    return (redis as unknown as Record<string, ScriptCall>)[this.name]?.apply(redis, this.#keysAndArgs(keys, args)) as Promise<unknown>;
  }

  /**
   * Registers the script on `redis` (once per client). `run` does it on first use; a pipeline
   * copies its client's scripts when it is made, so call this before making one to `queue` on.
   */
  defineOn(redis: Redis): void {
    if (this.#defined.has(redis)) return;
    redis.defineCommand(this.name, { numberOfKeys: this.numberOfKeys, lua: this.lua });
    this.#defined.add(redis);
  }

  /**
   * Queues the script on a pipeline or transaction; its answer comes with exec(). In a pipeline a
   * NOSCRIPT answer is resent as EVAL by ioredis; in a transaction (MULTI) it is not: the call
   * answers NOSCRIPT (`isForgotten`) having run nothing, and the caller `load`s the script and
   * runs the transaction again.
   */
  queue(pipeline: ChainableCommander, keys: readonly string[], args: readonly (string | number)[] = []): void {
    const call = (pipeline as unknown as Record<string, ScriptCall>)[this.name];
    if (!call)
      throw new RedisScriptUsageError(`script ${this.name} was not defined on the client before this pipeline was made (defineOn)`);
    void call.apply(pipeline, this.#keysAndArgs(keys, args));
  }

  /** Loads the script into the server's cache, so the EVALSHA calls queued in a transaction find it. */
  async load(redis: Redis): Promise<void> {
    await redis.script("LOAD", this.lua);
  }

  /** Whether an exec() answer is the server's NOSCRIPT: it forgot the script (a restart, SCRIPT FLUSH) and ran nothing for that call. */
  static isForgotten([err]: [Error | null, unknown]): boolean {
    return err instanceof Error && err.message.startsWith("NOSCRIPT");
  }

  #keysAndArgs(keys: readonly string[], args: readonly (string | number)[]): (string | number)[] {
    if (keys.length !== this.numberOfKeys)
      throw new RedisScriptUsageError(`script ${this.name} takes ${this.numberOfKeys} keys, got ${keys.length}`);
    return [...keys, ...args];
  }
}

/**
 * A script whose KEYS and ARGV have names. It is declared with its legend (name → what it holds,
 * in position order); its text opens with one `local` per name (`KEYS[i]` / `ARGV[i]`) and per
 * named constant, and calls lay the values out by the same legend, so each position is written
 * once and the body reads names.
 */
export interface LuaLegend<K extends string, A extends string> {
  /** KEYS legend in position order: name → what the key is. */
  keys: Record<K, string>;
  /** ARGV legend in position order: name → what the value is, sentinels included. */
  argv: Record<A, string>;
  /** Named values (sentinels, flags) defined as Lua locals, so the body compares against names. */
  constants?: Record<string, string>;
  body: string;
}

/** Thrown when a script is declared with a legend Lua cannot hold: a bad identifier, or a name used twice. */
export class LuaLegendError extends Error {
  override readonly name = "LuaLegendError";
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LUA_KEYWORDS = new Set(
  "and break do else elseif end false for function goto if in local nil not or repeat return then true until while".split(" "),
);

/** A Lua string literal of `value`. */
export const luaString = (value: string): string => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;

/** A RedisScript declared with a legend, called with named keys and arguments. */
export class LegendScript<K extends string, A extends string> {
  readonly script: RedisScript;
  readonly #keyNames: K[];
  readonly #argvNames: A[];

  constructor(name: string, legend: LuaLegend<K, A>) {
    this.#keyNames = Object.keys(legend.keys) as K[];
    this.#argvNames = Object.keys(legend.argv) as A[];
    const constants = Object.entries(legend.constants ?? {});
    const seen = new Set<string>();
    for (const id of [...this.#keyNames, ...this.#argvNames, ...constants.map(([id]) => id)]) {
      if (!IDENTIFIER.test(id) || LUA_KEYWORDS.has(id)) throw new LuaLegendError(`${id} is not a Lua identifier`);
      if (seen.has(id)) throw new LuaLegendError(`${id} is named twice`);
      seen.add(id);
    }
    const prelude = [
      ...this.#keyNames.map((id, i) => `local ${id} = KEYS[${i + 1}]`),
      ...this.#argvNames.map((id, i) => `local ${id} = ARGV[${i + 1}]`),
      ...constants.map(([id, value]) => `local ${id} = ${luaString(value)}`),
    ];
    this.script = new RedisScript(name, this.#keyNames.length, `${prelude.join("\n")}\n${legend.body.trim()}`);
  }

  get source(): string {
    return this.script.lua;
  }

  /** KEYS and ARGV in legend order, whatever order the values are given in. */
  layout(keys: Record<K, string>, argv: Record<A, string | number>): { keys: string[]; args: (string | number)[] } {
    return { keys: this.#keyNames.map((id) => keys[id]), args: this.#argvNames.map((id) => argv[id]) };
  }

  run(redis: Redis, keys: Record<K, string>, argv: Record<A, string | number>): Promise<unknown> {
    const laid = this.layout(keys, argv);
    return this.script.run(redis, laid.keys, laid.args);
  }
}
