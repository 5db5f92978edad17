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

  /** Queues the script on a pipeline or transaction; its answer comes with exec(). */
  queue(pipeline: ChainableCommander, keys: readonly string[], args: readonly (string | number)[] = []): void {
    const call = (pipeline as unknown as Record<string, ScriptCall>)[this.name];
    if (!call)
      throw new RedisScriptUsageError(`script ${this.name} was not defined on the client before this pipeline was made (defineOn)`);
    void call.apply(pipeline, this.#keysAndArgs(keys, args));
  }

  #keysAndArgs(keys: readonly string[], args: readonly (string | number)[]): (string | number)[] {
    if (keys.length !== this.numberOfKeys)
      throw new RedisScriptUsageError(`script ${this.name} takes ${this.numberOfKeys} keys, got ${keys.length}`);
    return [...keys, ...args];
  }
}
