import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import type { Bus } from "@gatehouse/bus";
import { TemplateProposalSchema } from "@gatehouse/proto/mining/v1";
import { repoRoot, ServiceProcess, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { EdgeTestEnv } from "./edge-env.js";
import { DIFF1_NBITS, templateFixture } from "./template-fixture.js";

const env = new EdgeTestEnv("loadgen");
const { identityConfig } = env;

let bus: Bus;
let edge: ServiceProcess;
const children: ChildProcess[] = [];

interface Report {
  type: "progress" | "final";
  reason?: string;
  connections: { opened: number; connected: number };
  submittedByKind: Record<string, number>;
  accepted: number;
  rejectedByReason: Record<string, number>;
  rejectedByKind: Record<string, Record<string, number>>;
  unexpected: Record<string, number>;
  ackLatencyMs: { count: number; p50: number; p90: number; p99: number; max: number };
  hashesPerSecond: number;
  prevHashChanges: number;
  jobs: number;
}

/** The loadgen CLI as a process, with its stdout parsed into reports as they arrive. */
function runLoadgen(args: string[]): { child: ChildProcess; reports: Report[]; exit: Promise<number | null>; stderr: string[] } {
  const child = spawn(process.execPath, [join(repoRoot(), "tools/loadgen/dist/main.js"), ...args], {
    cwd: repoRoot(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const reports: Report[] = [];
  const stderr: string[] = [];
  let buffered = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) reports.push(JSON.parse(line) as Report);
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, reports, exit, stderr };
}

beforeAll(async () => {
  bus = await env.connect(["SHARES"]);
  edge = await ServiceProcess.start({
    service: "miner-edge",
    // At difficulty 1e-6, ~4,300 hashes a share: a few ms of the loadgen's one thread.
    config: env.config({ auth: { mode: "prefix_map", prefix_map: { "lg.": "acct-loadgen" } } }),
  });
  bus.publish(
    bus.subjects.templateProposed,
    TemplateProposalSchema,
    templateFixture({ templateId: 1n, prevHash: "d4".repeat(32), nbits: DIFF1_NBITS }),
  );
  await bus.nc.flush();
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await env.teardown([edge]);
});

describe("gatehouse-loadgen CLI against a real edge (Noise)", () => {
  it("mines at its pace, sends every kind of bad share, and on SIGTERM prints a final report with reasons and latency", async () => {
    const kinds = ["stale", "unknown_job", "wrong_channel", "ntime", "version", "below_target", "replay"];
    const run = runLoadgen([
      "--url",
      (edge.endpoints.sv2 as string).replace("tcp://", ""),
      "--authority-key",
      identityConfig.authority_public_key_file,
      "--connections",
      "2",
      "--rate",
      "20",
      "--worker",
      "lg.rig",
      "--bad",
      kinds.map((k) => `${k}=0.08`).join(","),
      "--report-interval-s",
      "1",
      "--json",
    ]);
    // Stale shares need a superseded tip: move the chain on once both channels are mining.
    await waitFor(() => run.reports.find((r) => r.type === "progress" && r.accepted >= 10), {
      timeoutMs: 20_000,
      description: `progress with accepted shares (stderr: ${run.stderr.join("")})`,
    });
    bus.publish(
      bus.subjects.templateProposed,
      TemplateProposalSchema,
      templateFixture({ templateId: 2n, prevHash: "e5".repeat(32), nbits: DIFF1_NBITS }),
    );
    await bus.nc.flush();
    await waitFor(
      () => {
        const last = run.reports.at(-1);
        return last && kinds.every((k) => (last.submittedByKind[k] ?? 0) >= 2) && (last.rejectedByReason["stale-share"] ?? 0) > 0;
      },
      { timeoutMs: 30_000, description: "every bad kind sent and a stale share answered" },
    );
    run.child.kill("SIGTERM");
    expect(await run.exit).toBe(0);
    const final = run.reports.at(-1) as Report;
    expect(final).toMatchObject({ type: "final", reason: "SIGTERM", connections: { opened: 2 } });
    expect(final.prevHashChanges).toBeGreaterThanOrEqual(4);
    expect(final.accepted).toBeGreaterThan(10);
    expect(final.rejectedByKind).toMatchObject({
      stale: { "stale-share": expect.any(Number) },
      unknown_job: { "invalid-job-id": expect.any(Number) },
      wrong_channel: { "invalid-channel-id": expect.any(Number) },
      ntime: { "invalid-share": expect.any(Number) },
      version: { "invalid-non-rollable-version-bit": expect.any(Number) },
      below_target: { "difficulty-too-low": expect.any(Number) },
      replay: { "duplicate-share": expect.any(Number) },
    });
    // Every answer matched what was sent: no good share refused, no bad one let through.
    expect(final.unexpected).toEqual({});
    expect(final.ackLatencyMs.count).toBe(final.accepted + Object.values(final.rejectedByReason).reduce((a, b) => a + b, 0));
    expect(final.ackLatencyMs.p50).toBeGreaterThan(0);
    expect(final.ackLatencyMs.p90).toBeGreaterThanOrEqual(final.ackLatencyMs.p50);
    expect(final.ackLatencyMs.p99).toBeGreaterThanOrEqual(final.ackLatencyMs.p90);
    expect(final.hashesPerSecond).toBeGreaterThan(0);
  }, 90_000);
});
