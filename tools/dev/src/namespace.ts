import { Bus, streamCatalog } from "@gatehouse/bus";
import { deleteKeysWithPrefix, Redis } from "@gatehouse/service";
import pg from "pg";
import type { Namespace } from "./plan.js";

export /** Deletes a namespace's Redis keys, its PostgreSQL schema and (when `streams`) the bus's streams under its prefix. */
async function removeNamespace(
  servers: { natsUrl: string; redisUrl: string; postgresUrl: string },
  namespace: Namespace,
  streams: boolean,
): Promise<void> {
  const { natsUrl } = servers;
  const redis = new Redis(servers.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
  try {
    await redis.connect();
    await deleteKeysWithPrefix(redis, namespace.redisPrefix);
  } finally {
    redis.disconnect();
  }
  const postgres = new pg.Client({ connectionString: servers.postgresUrl });
  try {
    await postgres.connect();
    await postgres.query(`DROP SCHEMA IF EXISTS "${namespace.postgresSchema}" CASCADE`);
  } finally {
    await postgres.end().catch(() => undefined);
  }
  if (!streams) return;
  const bus = await Bus.connect({ servers: natsUrl, name: "dev-stack-cleanup" });
  try {
    const jsm = await bus.jsm();
    // Only the catalog's names: with the default empty prefix a prefix match would take every stream.
    const names = Object.values(streamCatalog({ subjectRoot: namespace.subjectRoot, namePrefix: namespace.streamPrefix })).map(
      (s) => s.name,
    );
    for await (const name of jsm.streams.names()) if (names.includes(name)) await jsm.streams.delete(name);
  } finally {
    await bus.close();
  }
}
