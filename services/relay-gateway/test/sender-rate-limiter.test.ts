// The per-sender limit against a real Redis: two gateway replicas drawing on one bucket, each
// coalescing the requests of an event-loop turn into one script call, and leasing tokens ahead
// when the limit is high enough.
import { createLogger, createRedis, type Redis } from "@gatehouse/service";
import { redisUrl, testNamespace, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { RedisSenderRateLimiter } from "../src/handlers/common/sender-rate-limiter.js";

const ns = testNamespace("senderlimit");
const logger = createLogger({ service: "relay-gateway", instanceId: "t", level: "fatal" });
const BURST = 10;
let replicaA: Redis;
let replicaB: Redis;

beforeAll(() => {
  replicaA = createRedis({ url: redisUrl(), key_prefix: ns.redisPrefix }, logger, "limit-a");
  replicaB = createRedis({ url: redisUrl(), key_prefix: ns.redisPrefix }, logger, "limit-b");
});

afterAll(async () => {
  const keys = await replicaA.keys(`${ns.redisPrefix}*`);
  if (keys.length > 0) await replicaA.del(...keys.map((k) => k.slice(ns.redisPrefix.length)));
  await Promise.all([replicaA.quit(), replicaB.quit()]);
});

describe("RedisSenderRateLimiter", () => {
  it("holds one burst across replicas, granting each replica's turn in arrival order", async () => {
    // A refill of one token per 1000 s: nothing refills during the test.
    const a = new RedisSenderRateLimiter(replicaA, 0.001, BURST);
    const b = new RedisSenderRateLimiter(replicaB, 0.001, BURST);
    const fromA = Array.from({ length: 8 }, () => a.allow("alice"));
    const fromB = Array.from({ length: 8 }, () => b.allow("alice"));
    const [grantedA, grantedB] = [await Promise.all(fromA), await Promise.all(fromB)];
    expect([...grantedA, ...grantedB].filter(Boolean)).toHaveLength(BURST);
    // Within a replica's turn the earliest requests get the tokens.
    for (const granted of [grantedA, grantedB]) expect(granted).toEqual([...granted].sort((x, y) => Number(y) - Number(x)));
    expect(await a.allow("alice")).toBe(false);
    expect(await b.allow("bob")).toBe(true);
  });

  it("refills by elapsed time", async () => {
    const limiter = new RedisSenderRateLimiter(replicaA, 50, 1);
    expect(await Promise.all([limiter.allow("carol"), limiter.allow("carol")])).toEqual([true, false]);
    // 50 tokens/s: a token is back within about 20 ms.
    const started = Date.now();
    await waitFor(async () => (await limiter.allow("carol")) || undefined, { timeoutMs: 2_000, intervalMs: 5 });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("admits from a lease taken ahead, without a round trip, and tops it up in the background", async () => {
    // 2000 tokens/s: a lease is 100 tokens (what refills in 50 ms).
    const limiter = new RedisSenderRateLimiter(replicaA, 2_000, 1_000);
    const bucket = async () => Number(await replicaA.hget("relay:rate:dave", "tokens"));
    expect(await limiter.allow("dave")).toBe(true);
    // The first request took its token and the lease: 1000 - 1 - 100.
    expect(await bucket()).toBe(899);
    // Fewer than half the lease: spent locally, the bucket untouched.
    const leased = await Promise.all(Array.from({ length: 49 }, () => limiter.allow("dave")));
    expect(leased.every(Boolean)).toBe(true);
    expect(await bucket()).toBe(899);
    // Half spent: a top-up is taken in the background (the bucket, refilled meanwhile, drops).
    expect(await limiter.allow("dave")).toBe(true);
    await waitFor(async () => ((await bucket()) < 899 ? true : undefined), { timeoutMs: 2_000, intervalMs: 5 });
  });
});
