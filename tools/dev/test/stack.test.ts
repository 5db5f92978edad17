// The stack library's handles as the chaos journey uses them: in test mode (free ports, a private
// NATS) any service and NATS itself can be killed with -9 and started again, the JetStream store
// survives, the services recover, and stop() cleans up after the stack.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bus } from "@gatehouse/bus";
import { redisUrl, testNamespace, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { answers200 } from "../src/probe.js";
import { type Stack, startStack } from "../src/stack.js";

const ns = testNamespace("stackh");
let stack: Stack;

beforeAll(async () => {
  // What an earlier run left in the namespace: `fresh` removes it before anything starts.
  const redis = new Redis(redisUrl());
  await redis.set(`${ns.redisPrefix}left-over`, "1");
  await redis.quit();
  stack = await startStack({
    ports: "free",
    nats: "private",
    redisUrl: redisUrl(),
    namespace: ns,
    devDir: mkdtempSync(join(tmpdir(), "gh-stack-handles-")),
    services: ["share-forwarder", "miner-edge"],
    miners: [],
    txIntervalMs: 0,
    autoRestart: false,
    fresh: true,
    cleanUp: true,
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

const ready = (name: string) => answers200(`${stack.endpoints(name).ops}/readyz`);

describe("a test-mode stack", () => {
  it("runs on its own ports, NATS and namespace, without what an earlier run left there", async () => {
    const redis = new Redis(redisUrl());
    expect(await redis.exists(`${ns.redisPrefix}left-over`)).toBe(0);
    await redis.quit();
    expect(stack.names).toEqual(["nats", "bcoin", "anvil", "pool-backend", "share-forwarder", "miner-edge"]);
    expect(stack.natsUrl).toBe(stack.endpoints("nats").client);
    expect(stack.natsUrl).not.toBe("nats://127.0.0.1:4222");
    expect(stack.endpoints("miner-edge").sv2).not.toBe("127.0.0.1:3333");
  });

  it("survives kill -9 of NATS: the services lose readiness, and regain it with the streams intact once NATS is back", async () => {
    const streams = async () => {
      const bus = await Bus.connect({ servers: stack.natsUrl, name: "stack-handles-test" });
      try {
        const names: string[] = [];
        for await (const name of (await bus.jsm()).streams.names()) names.push(name);
        return names.sort();
      } finally {
        await bus.close();
      }
    };
    const before = await streams();
    expect(before).toContain(`${ns.streamPrefix}SHARES`);

    expect(await stack.process("nats").kill("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
    await waitFor(async () => !(await ready("share-forwarder")), {
      timeoutMs: 15_000,
      description: "share-forwarder not ready without NATS",
    });
    stack.process("nats").start();
    await stack.waitReady("nats", 15_000);
    await Promise.all([stack.waitReady("share-forwarder", 30_000), stack.waitReady("miner-edge", 30_000)]);
    expect(await streams()).toEqual(before);
  }, 60_000);

  it("kills a service with -9 and starts it again on the same ports", async () => {
    const edge = stack.process("miner-edge");
    const pid = edge.pid;
    expect(await edge.kill("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
    expect(await ready("miner-edge")).toBe(false);
    edge.start();
    await stack.waitReady("miner-edge", 30_000);
    expect(edge.pid).not.toBe(pid);
  }, 60_000);

  it("stop() ends every process and removes the namespace's Redis keys and the dev folder", async () => {
    const devDir = stack.devDir;
    const redis = new Redis(redisUrl());
    try {
      expect((await redis.keys(`${ns.redisPrefix}*`)).length).toBeGreaterThan(0);
      await stack.stop();
      for (const name of stack.names) expect(stack.process(name).running).toBe(false);
      expect(await redis.keys(`${ns.redisPrefix}*`)).toEqual([]);
      expect(existsSync(devDir)).toBe(false);
    } finally {
      await redis.quit();
    }
  }, 60_000);
});
