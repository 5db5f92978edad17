// RedisScript against the real Redis: EVALSHA after the first call, the key prefix applied, the
// body sent again after SCRIPT FLUSH, and scripts queued on a pipeline.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createLogger, createRedis, deleteKeysWithPrefix, type Redis, RedisScript, RedisScriptUsageError } from "../src/index.js";

const url = process.env.GH_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const INCR_BY = new RedisScript("testIncrBy", 1, "return redis.call('INCRBY', KEYS[1], ARGV[1])");

describe("RedisScript", () => {
  const prefix = `test:script:${randomBytes(4).toString("hex")}:`;
  let redis: Redis;
  let plain: Redis;
  beforeAll(() => {
    const logger = createLogger({ service: "test", instanceId: "script-test", level: "silent" });
    redis = createRedis({ url, key_prefix: prefix }, logger, "script-test");
    plain = createRedis({ url, key_prefix: "" }, logger, "script-test-plain");
  });
  afterAll(async () => {
    await deleteKeysWithPrefix(plain, prefix);
    await Promise.all([redis.quit(), plain.quit()]);
  });

  it("sends the body once, then only its digest, under the client's key prefix", async () => {
    expect(await INCR_BY.run(redis, ["n"], [2])).toBe(2);
    const monitor = await plain.monitor();
    const seen: string[] = [];
    // The monitor feed lags the commands: a marker command sent last tells when it has caught up.
    const marker = `marker-${randomBytes(4).toString("hex")}`;
    const caughtUp = new Promise<void>((resolve) => {
      monitor.on("monitor", (_time: string, args: string[]) => {
        const command = String(args[0]).toLowerCase();
        if (command.startsWith("eval")) seen.push(`${command} ${args[3] ?? ""}`);
        if (command === "echo" && args[1] === marker) resolve();
      });
    });
    expect(await INCR_BY.run(redis, ["n"], [3])).toBe(5);
    expect(await INCR_BY.run(redis, ["n"], [4])).toBe(9);
    await plain.echo(marker);
    await caughtUp;
    await monitor.disconnect();
    expect(await plain.get(`${prefix}n`)).toBe("9");
    expect(seen).toEqual([`evalsha ${prefix}n`, `evalsha ${prefix}n`]);
  });

  it("loads the body again after the server forgot it", async () => {
    await plain.script("FLUSH");
    expect(await INCR_BY.run(redis, ["m"], [7])).toBe(7);
  });

  it("queues on a pipeline made after it was defined, and answers with exec", async () => {
    const early = plain.pipeline();
    expect(() => INCR_BY.queue(early, ["p"], [1])).toThrow(RedisScriptUsageError);
    INCR_BY.defineOn(redis);
    const pipeline = redis.pipeline();
    INCR_BY.queue(pipeline, ["p"], [1]);
    INCR_BY.queue(pipeline, ["p"], [10]);
    const answers = await pipeline.exec();
    expect(answers?.map(([err, value]) => [err, value])).toEqual([
      [null, 1],
      [null, 11],
    ]);
  });

  it("refuses the wrong number of keys before calling Redis", () => {
    expect(() => INCR_BY.run(redis, ["a", "b"], [1])).toThrow(RedisScriptUsageError);
  });
});
