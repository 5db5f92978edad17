// createRedis through Redis Sentinel against real servers: a primary, a replica and a sentinel
// (redis-server in sentinel mode) on loopback; kill -9 of the primary under a stream of writes.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testNamespace, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createLogger, createRedis, freePort, type Redis, redisConfig, redisHealth } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "gh-sentinel-"));
const children: ChildProcess[] = [];
const ports = { primary: 0, replica: 0, sentinel: 0 };
let primary: ChildProcess;
const logger = createLogger({ service: "sentinel-test", instanceId: "t", level: "fatal" });

const server = (args: string[]) => {
  const child = spawn("redis-server", args, { stdio: "ignore" });
  children.push(child);
  return child;
};
/** The port of the server a client is connected to now. */
const serverPort = async (client: Redis) => Number(/tcp_port:(\d+)/.exec(await client.info("server"))?.[1]);

const answers = async (port: number) => {
  const probe = createRedis({ url: `redis://127.0.0.1:${port}`, key_prefix: "" }, logger, "probe");
  try {
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
};

beforeAll(async () => {
  ports.primary = await freePort();
  ports.replica = await freePort();
  ports.sentinel = await freePort();
  // A replica writes the snapshot it syncs from to disk: into the test's folder.
  const common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir];
  primary = server(["--port", String(ports.primary), ...common]);
  server(["--port", String(ports.replica), ...common, "--replicaof", "127.0.0.1", String(ports.primary)]);
  const conf = join(dir, "sentinel.conf");
  writeFileSync(
    conf,
    [
      `port ${ports.sentinel}`,
      "bind 127.0.0.1",
      `dir ${dir}`,
      `sentinel monitor gatehouse 127.0.0.1 ${ports.primary} 1`,
      "sentinel down-after-milliseconds gatehouse 1000",
      "sentinel failover-timeout gatehouse 10000",
      "",
    ].join("\n"),
  );
  server([conf, "--sentinel"]);
  await waitFor(async () => (await answers(ports.primary)) && (await answers(ports.replica)) && (await answers(ports.sentinel)), {
    timeoutMs: 15_000,
    description: "primary, replica and sentinel answering",
  });
  // A replica is listed by the primary once connected, but takes writes' acknowledgements (WAIT)
  // only after its first full sync, which the primary starts repl-diskless-sync-delay (5 s) later.
  const replica = createRedis({ url: `redis://127.0.0.1:${ports.replica}`, key_prefix: "" }, logger, "replica-probe");
  try {
    await waitFor(async () => /master_link_status:up/.test(await replica.info("replication")), {
      timeoutMs: 20_000,
      intervalMs: 100,
      description: "the replica synced with the primary",
    });
  } finally {
    replica.disconnect();
  }
  // A sentinel learns a primary's replicas from its INFO (every 10 s): fail over only once it knows one.
  const sentinel = createRedis({ url: `redis://127.0.0.1:${ports.sentinel}`, key_prefix: "" }, logger, "sentinel-probe");
  try {
    await waitFor(
      async () => {
        const replicas = (await sentinel.call("SENTINEL", "REPLICAS", "gatehouse")) as string[][];
        return replicas.some((fields) => fields[fields.indexOf("flags") + 1] === "slave");
      },
      { timeoutMs: 20_000, intervalMs: 250, description: "the sentinel knowing the replica" },
    );
  } finally {
    sentinel.disconnect();
  }
}, 60_000);

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("createRedis with redis.sentinels", () => {
  it("parses the sentinel keys of [redis]", () => {
    const config = redisConfig.parse({ sentinels: ["127.0.0.1:26379"], sentinel_master: "gh" });
    expect(config).toMatchObject({ sentinels: ["127.0.0.1:26379"], sentinel_master: "gh" });
    expect(redisConfig.safeParse({ sentinels: ["nowhere"] }).success).toBe(false);
  });

  it("writes to the primary the sentinel names and follows a failover to the promoted replica, keeping acknowledged writes", async () => {
    const ns = testNamespace("sentinel");
    const client: Redis = createRedis(
      { url: "redis://", key_prefix: ns.redisPrefix, sentinels: [`127.0.0.1:${ports.sentinel}`], sentinel_master: "gatehouse" },
      logger,
      "sentinel-test",
    );
    try {
      await waitFor(async () => (await redisHealth(client).catch(() => ({ ok: false }))).ok, { description: "client ready" });
      expect(await serverPort(client)).toBe(ports.primary);
      // Acknowledged by the replica too (WAIT), as a write must be to survive the primary's loss.
      for (let i = 0; i < 50; i++) await client.incr("counter");
      expect(await client.wait(1, 5_000)).toBe(1);

      primary.kill("SIGKILL");
      // Writes fail while the sentinel notices and promotes (a short outage, never a silent loss).
      await waitFor(
        async () => {
          try {
            await client.incr("counter");
            return (await serverPort(client)) === ports.replica;
          } catch {
            return false;
          }
        },
        { timeoutMs: 30_000, intervalMs: 100, description: "a write accepted by the promoted replica" },
      );
      expect(Number(await client.get("counter"))).toBeGreaterThanOrEqual(51);
      expect((await redisHealth(client)).ok).toBe(true);
      expect(await client.call("ROLE").then((r) => (r as unknown[])[0])).toBe("master");
    } finally {
      client.disconnect();
    }
  }, 60_000);
});
