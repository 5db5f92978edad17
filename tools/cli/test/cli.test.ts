// The `gatehouse` command as a user runs it (`npx gatehouse ...` execs bin/gatehouse.js).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { Bus, ensureStream } from "@gatehouse/bus";
import { GatewayReason, ShareForwardResultSchema } from "@gatehouse/proto/mining/v1";
import { natsUrl, repoRoot, ServiceProcess, testNamespace, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";

const run = promisify(execFile);
const ns = testNamespace("cli");
const bin = join(repoRoot(), "tools", "cli", "bin", "gatehouse.js");
const env = { ...process.env, GH_CLI_NO_BUILD: "1", GH_NATS_URL: natsUrl() };
let bus: Bus;

beforeAll(async () => {
  bus = await Bus.connect({ servers: natsUrl(), name: "cli-test", subjectRoot: ns.subjectRoot });
});
afterAll(async () => {
  await (await bus.jsm()).streams.delete(`${ns.streamPrefix}RESULTS`).catch(() => undefined);
  await bus.close();
});

function collect(child: ChildProcess): { out: () => string } {
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  return { out: () => out };
}

describe("gatehouse tail", () => {
  it("prints a published message decoded to JSON by its Gh-Type, with seed reason names", async () => {
    const child = spawn(process.execPath, [bin, "tail", `${ns.subjectRoot}.>`, "-n", "2"], { env });
    const output = collect(child);
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    await waitFor(() => stderr.includes("tailing"), { description: "tail subscribed" });
    await bus.nc.flush();
    bus.publish(bus.subjects.shareResult, ShareForwardResultSchema, {
      shareId: "ab".repeat(32),
      forwarded: false,
      reasonCode: GatewayReason.share_dropped_queue_full,
    });
    bus.nc.publish(`${ns.subjectRoot}.opaque`, new Uint8Array([1, 2, 3]));
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(0);
    const [decoded, opaque] = output
      .out()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(decoded).toMatchObject({
      subject: `${ns.subjectRoot}.mining.share.result`,
      type: "gatehouse.mining.v1.ShareForwardResult",
      message: { shareId: "ab".repeat(32), reasonCode: "share_dropped_queue_full" },
    });
    expect(opaque).toMatchObject({ subject: `${ns.subjectRoot}.opaque`, type: null, base64: "AQID" });
  });
});

describe("gatehouse streams", () => {
  it("lists a stream with its message count and its replicas", async () => {
    const name = `${ns.streamPrefix}RESULTS`;
    await ensureStream(await bus.jsm(), { name, subjects: [bus.subjects.shareResult] });
    await bus.publishDurable(bus.subjects.shareResult, ShareForwardResultSchema, { forwarded: true });
    const { stdout } = await run(process.execPath, [bin, "streams", "--json"], { env });
    const stream = (JSON.parse(stdout) as { name: string; messages: number; subjects: string[] }[]).find((s) => s.name === name);
    expect(stream).toMatchObject({ messages: 1, subjects: [bus.subjects.shareResult], replicas: 1, peers: [] });
  });
});

describe("gatehouse grpc", () => {
  it("calls a running service's admin API and lists its methods", async () => {
    const proc = await ServiceProcess.start({
      service: "relay-node",
      config: {
        nats: { url: natsUrl(), subject_root: ns.subjectRoot },
        redis: { key_prefix: ns.redisPrefix },
        dev_key_seed: "cli-test-node",
        attestation: { mode: "dev", dev_enclave_addresses: [`0x${"11".repeat(20)}`] },
      },
    });
    try {
      const addr = proc.endpoints.grpc as string;
      const { stdout } = await run(process.execPath, [bin, "grpc", "relay-node", "GetStatus", "{}", "--addr", addr], { env });
      expect(JSON.parse(stdout)).toMatchObject({ status: { service: "relay-node", checks: expect.any(Array) } });
      const listed = await run(process.execPath, [bin, "grpc", "relay-node"], { env });
      expect(listed.stdout).toContain("gatehouse.relaynode.v1.RelayNodeAdminService/GetStatus (unary)");
      await expect(run(process.execPath, [bin, "grpc", "relay-node", "Nope", "{}", "--addr", addr], { env })).rejects.toMatchObject({
        stderr: "gatehouse: gatehouse.relaynode.v1.RelayNodeAdminService has no method Nope\n",
      });
    } finally {
      await proc.stop();
    }
  });
});
