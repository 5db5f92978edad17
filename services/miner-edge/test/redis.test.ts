import { ManualClock, Redis } from "@gatehouse/service";
import { redisUrl, testNamespace, waitFor } from "@gatehouse/testkit";
import { afterAll, describe, expect, it } from "@jest/globals";
import { SharedConnectionCap } from "../src/redis/connection-cap.js";
import { ConnectionRateLimit } from "../src/redis/connection-rate.js";
import { ServerIdExhaustedError, ServerIdLease } from "../src/redis/server-id.js";
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

  it("share_ids asked in one turn (one batched call) get the answers one call each would give, in order", async () => {
    const a = new ShareDedup(replicaA, 3);
    const b = new ShareDedup(replicaB, 3);
    expect(await a.seenBefore("t0")).toBe(false);
    // One turn: t0 seen before; t1 new, then seen within the same call; t2..t4 push t0 and t1 out of the window.
    const answers = await Promise.all(["t0", "t1", "t1", "t2", "t3", "t4", "t0"].map((id) => a.seenBefore(id)));
    expect(answers).toEqual([true, false, true, false, false, false, false]);
    expect(await b.seenBefore("t1")).toBe(false); // pushed out of the window by t4
    await a.forget("t1");
    expect(await Promise.all(["t1", "t4"].map((id) => b.seenBefore(id)))).toEqual([false, true]);
  });

  it("connection rate limit counts one address across replicas within a second", async () => {
    const clock = new ManualClock(5_000_000);
    const a = new ConnectionRateLimit(replicaA, 3, clock);
    const b = new ConnectionRateLimit(replicaB, 3, clock);
    const verdicts = [await a.allow("10.0.0.1"), await b.allow("10.0.0.1"), await a.allow("10.0.0.1"), await b.allow("10.0.0.1")];
    expect(verdicts).toEqual([true, true, true, false]);
    expect(await a.allow("10.0.0.2")).toBe(true);
    clock.advance(1000);
    expect(await a.allow("10.0.0.1")).toBe(true);
  });

  it("the per-address connection cap is shared: racing replicas get exactly the free places, a release frees one", async () => {
    const a = new SharedConnectionCap(replicaA, "edge-a", 3, 10_000);
    const b = new SharedConnectionCap(replicaB, "edge-b", 3, 10_000);
    const taken = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).acquire("10.1.0.1")));
    expect(taken.filter(Boolean)).toHaveLength(3);
    expect(await a.total("10.1.0.1")).toBe(3);
    expect(await a.acquire("10.1.0.2")).toBe(true);
    const holder = taken.findIndex(Boolean) % 2 ? a : b;
    await holder.release("10.1.0.1");
    expect(await a.total("10.1.0.1")).toBe(2);
    expect(await b.acquire("10.1.0.1")).toBe(true);
    expect(await a.acquire("10.1.0.1")).toBe(false);
  });

  it("a replica's counts stop counting when its lease runs out, and renewal restates what it holds", async () => {
    const crashed = new SharedConnectionCap(replicaA, "edge-crashed", 2, 300);
    const alive = new SharedConnectionCap(replicaB, "edge-alive", 2, 300);
    expect([await crashed.acquire("10.2.0.1"), await crashed.acquire("10.2.0.1")]).toEqual([true, true]);
    expect(await alive.acquire("10.2.0.1")).toBe(false);
    // edge-crashed renews no more: once its lease has passed its places are free.
    await waitFor(async () => (await alive.total("10.2.0.1")) === 0, { description: "the crashed replica's lease running out" });
    expect(await alive.acquire("10.2.0.1")).toBe(true);
    // Renewal sets the true count (here 2, e.g. one admitted while Redis was away) and keeps it alive.
    await alive.renew([["10.2.0.1", 2]]);
    expect(await crashed.total("10.2.0.1")).toBe(2);
    expect(await crashed.acquire("10.2.0.1")).toBe(false);
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

  it("a claim gives up with ServerIdExhaustedError when every id it tries is held", async () => {
    const next = Number((await replicaA.get("edge:server-id:next")) ?? 0);
    const held = replicaA.pipeline();
    for (let i = 1; i <= 256; i++) held.set(`edge:server-id:${(next + i) % 0x10000}`, "another-edge", "PX", 10_000);
    await held.exec();
    await expect(ServerIdLease.claim(replicaB, "edge-b", 10_000)).rejects.toThrow(ServerIdExhaustedError);
  });
});
