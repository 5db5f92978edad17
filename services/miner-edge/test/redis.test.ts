import { Redis } from "@gatehouse/service";
import { redisUrl, testNamespace } from "@gatehouse/testkit";
import { afterAll, describe, expect, it } from "@jest/globals";
import { ConnectionRateLimit } from "../src/redis/connection-rate.js";
import { ServerIdLease } from "../src/redis/server-id.js";
import { ShareDedup } from "../src/redis/share-dedup.js";

const ns = testNamespace("edgeredis");
const replicaA = new Redis(redisUrl(), { keyPrefix: ns.redisPrefix });
const replicaB = new Redis(redisUrl(), { keyPrefix: ns.redisPrefix });

afterAll(async () => {
  // ioredis does not prefix KEYS patterns (keys("*") is every key on the shared server): match the
  // namespace explicitly; the names come back whole, so delete them unprefixed.
  const keys = await replicaA.keys(`${ns.redisPrefix}*`);
  const cleaner = new Redis(redisUrl());
  if (keys.length > 0) await cleaner.del(...keys);
  await Promise.all([replicaA.quit(), replicaB.quit(), cleaner.quit()]);
});

describe("Redis-backed edge state shared by replicas", () => {
  it("dedup sees a share_id submitted through another replica, and forgets the oldest beyond the window", async () => {
    const a = new ShareDedup(replicaA, 3);
    const b = new ShareDedup(replicaB, 3);
    expect(await a.seenBefore("s1")).toBe(false);
    expect(await b.seenBefore("s1")).toBe(true);
    for (const id of ["s2", "s3", "s4"]) expect(await b.seenBefore(id)).toBe(false);
    expect(await a.seenBefore("s4")).toBe(true);
    expect(await a.seenBefore("s1")).toBe(false); // evicted by s4, so new again
    await b.forget("s1");
    expect(await a.seenBefore("s1")).toBe(false); // forgotten (never stored), so new again
  });

  it("concurrent submissions of one share_id yield exactly one first sighting", async () => {
    const a = new ShareDedup(replicaA, 100);
    const b = new ShareDedup(replicaB, 100);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).seenBefore("race")));
    expect(results.filter((seen) => !seen)).toHaveLength(1);
  });

  it("connection rate limit counts one address across replicas within a second", async () => {
    const now = 5_000_000;
    const a = new ConnectionRateLimit(replicaA, 3);
    const b = new ConnectionRateLimit(replicaB, 3);
    const verdicts = [
      await a.allow("10.0.0.1", now),
      await b.allow("10.0.0.1", now),
      await a.allow("10.0.0.1", now),
      await b.allow("10.0.0.1", now),
    ];
    expect(verdicts).toEqual([true, true, true, false]);
    expect(await a.allow("10.0.0.2", now)).toBe(true);
    expect(await a.allow("10.0.0.1", now + 1000)).toBe(true);
  });

  it("server ids are leased exclusively, refreshed by their holder only, and freed on release", async () => {
    const first = await ServerIdLease.claim(replicaA, "edge-a", 10_000);
    const second = await ServerIdLease.claim(replicaB, "edge-b", 10_000);
    expect(second.id).not.toBe(first.id);
    expect(await first.refresh()).toBe(true);
    await first.release();
    expect(await first.refresh()).toBe(false);
    await second.release();
  });
});
