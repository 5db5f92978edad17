import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { RedisConfig } from "./config/schema.js";

export { Redis } from "ioredis";

/**
 * A Redis client whose every key is prefixed with `key_prefix` (ioredis `keyPrefix`, applied to
 * commands and to the KEYS of scripts; keys built inside a Lua script must add it themselves).
 */
export function createRedis(config: RedisConfig, logger: Logger, name: string): Redis {
  const client = new Redis(config.url, {
    keyPrefix: config.key_prefix,
    connectionName: name,
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt) => Math.min(2_000, 50 * 2 ** Math.min(attempt, 6)),
  });
  let reported = false;
  client.on("error", (err) => {
    if (!reported) logger.warn({ err: err.message }, "redis connection error");
    reported = true;
  });
  client.on("ready", () => {
    if (reported) logger.info("redis connection restored");
    reported = false;
  });
  return client;
}

/** Readiness of a Redis client: connected and answering PING. */
export async function redisHealth(client: Redis): Promise<{ ok: boolean; reason?: string }> {
  if (client.status !== "ready") return { ok: false, reason: `redis ${client.status}` };
  await client.ping();
  return { ok: true };
}

/**
 * Deletes every key starting with `prefix` (SCAN, so the server never blocks), e.g. a test's or a
 * dev stack's namespace. Use a client without a key prefix: SCAN patterns are not prefixed.
 */
export async function deleteKeysWithPrefix(client: Redis, prefix: string): Promise<void> {
  if (!prefix) throw new Error("deleteKeysWithPrefix needs a non-empty prefix");
  for (let cursor = "0"; ; ) {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
    if (cursor === "0") return;
  }
}
