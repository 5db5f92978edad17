// `make dev` as a user runs it: every service comes up ready, the banner lists the endpoints, and
// Ctrl-C (SIGINT) stops everything cleanly. Runs on shifted ports and its own subject root so it
// never meets a dev stack already running on this machine.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { Bus } from "@gatehouse/bus";
import { getJson, natsUrl, redisUrl, repoRoot, testNamespace, waitFor } from "@gatehouse/testkit";
import { describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { freePort } from "../src/probe.js";

describe("the dev runner", () => {
  it("brings up all six services ready, then stops them all on SIGINT", async () => {
    // Every shifted port stays below Linux's ephemeral range (32768+), where client sockets would collide.
    const offset = 10_000 + ((await freePort()) % 13_000);
    const ns = testNamespace("dev");
    const child = spawn(
      process.execPath,
      [
        join(repoRoot(), "tools/dev/dist/main.js"),
        ...["--ports-offset", String(offset), "--subject-root", ns.subjectRoot, "--stream-prefix", ns.streamPrefix, "--no-color"],
      ],
      {
        env: { ...process.env, GH_TEST_NATS_URL: "", FORCE_COLOR: "0" },
      },
    );
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      out += c;
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      await waitFor(() => out.includes("all 6 services ready"), {
        timeoutMs: 60_000,
        description: `six services ready; output so far:\n${out}`,
      });
      expect(out).toContain(`miner-edge         http 127.0.0.1:${8082 + offset}  grpc 127.0.0.1:${9082 + offset}`);
      expect((await getJson(`http://127.0.0.1:${8087 + offset}/readyz`)).status).toBe(200);
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe(0);
    expect(out).toMatch(/\[dev\]\s+stopped/);
    expect(out).not.toMatch(/restarting in/);
    await expect(fetch(`http://127.0.0.1:${8087 + offset}/healthz`)).rejects.toThrow();
    await removeNamespace(ns.streamPrefix, `${ns.subjectRoot}:`);
  }, 90_000);
});

/** Deletes what the stack left on the shared servers: its streams and its Redis keys. */
async function removeNamespace(streamPrefix: string, keyPrefix: string): Promise<void> {
  const bus = await Bus.connect({ servers: natsUrl(), name: "dev-runner-test-cleanup" });
  const jsm = await bus.jsm();
  for await (const name of jsm.streams.names()) if (name.startsWith(streamPrefix)) await jsm.streams.delete(name);
  await bus.close();
  const redis = new Redis(redisUrl());
  const keys = await redis.keys(`${keyPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}
