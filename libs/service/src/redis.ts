import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { RedisConfig } from "./config/schema.js";
import { InvariantError } from "./errors.js";
import { parseHostPort } from "./net.js";

export { Redis } from "ioredis";

const backoff = (attempt: number) => Math.min(2_000, 50 * 2 ** Math.min(attempt, 6));

/** What a client needs of `[redis]`; the sentinel keys may be left out (a single server). */
export type RedisClientConfig = Pick<RedisConfig, "url" | "key_prefix"> & Partial<Pick<RedisConfig, "sentinels" | "sentinel_master">>;

/**
 * A Redis client whose every key is prefixed with `key_prefix` (ioredis `keyPrefix`, applied to
 * commands and to the KEYS of scripts; keys built inside a Lua script must add it themselves).
 * With `sentinels`, it connects to the primary the sentinels name and, on a failover, to the
 * promoted replica: commands in the meantime fail after their retries, like a short outage.
 */
export function createRedis(config: RedisClientConfig, logger: Logger, name: string): Redis {
  const options = {
    keyPrefix: config.key_prefix,
    connectionName: name,
    maxRetriesPerRequest: 3,
    retryStrategy: backoff,
  };
  const sentinels = config.sentinels ?? [];
  const client =
    sentinels.length === 0
      ? new Redis(config.url, options)
      : new Redis({
          ...options,
          ...credentialsOf(config.url),
          sentinels: sentinels.map((address) => parseHostPort(address)),
          name: config.sentinel_master ?? "gatehouse",
          role: "master",
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

/** The password, user and database of a `redis://` URL, for a client that finds its server through sentinels. */
function credentialsOf(url: string): { password?: string; username?: string; db?: number } {
  const parsed = new URL(url);
  const db = Number(parsed.pathname.slice(1));
  return {
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(Number.isInteger(db) && db > 0 ? { db } : {}),
  };
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
  if (!prefix) throw new InvariantError("deleteKeysWithPrefix needs a non-empty prefix");
  for (let cursor = "0"; ; ) {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
    if (cursor === "0") return;
  }
}
