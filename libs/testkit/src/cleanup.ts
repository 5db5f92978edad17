import { Bus } from "@gatehouse/bus";
import { deleteKeysWithPrefix, InvariantError, Redis } from "@gatehouse/service";
import { natsUrl, redisUrl, type TestNamespace } from "./env.js";

/**
 * Removes what a test left on the shared servers under its namespace: every JetStream stream whose
 * name starts with the namespace's (unique) stream prefix, and every Redis key under its prefix.
 */
export async function removeNamespace(ns: TestNamespace, servers = { nats: natsUrl(), redis: redisUrl() }): Promise<void> {
  // An empty prefix would match everything on a server other runs share.
  if (!ns.streamPrefix || !ns.redisPrefix) throw new InvariantError("removeNamespace needs a namespace with non-empty prefixes");
  const bus = await Bus.connect({ servers: servers.nats, name: "testkit-cleanup" });
  try {
    const jsm = await bus.jsm();
    // Object store buckets are streams named OBJ_<bucket>; their buckets carry the prefix too.
    const ours = (name: string) => name.startsWith(ns.streamPrefix) || name.startsWith(`OBJ_${ns.streamPrefix}`);
    for await (const name of jsm.streams.names()) if (ours(name)) await jsm.streams.delete(name);
  } finally {
    await bus.close();
  }
  const redis = new Redis(servers.redis, { maxRetriesPerRequest: 2 });
  try {
    await deleteKeysWithPrefix(redis, ns.redisPrefix);
  } finally {
    await redis.quit();
  }
}
