// The README's commands, run as a user runs them, against the stack `make dev` starts: the
// walkthrough's loadgen, `gatehouse tail / streams / grpc`, `relay put-secret / send`, and the
// workflow curls. The commands are read from the README's ```sh blocks (not copied here), so a
// README that drifts from the code fails this test. The stack runs in test mode (free ports, a
// private NATS with the default `gh` namespace, its own Redis prefix); `localize` points each command
// at it, standing in for the addresses `make dev` would listen on. Needs `make build`.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "@gatehouse/dev";
import { repoRoot, testNamespace, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startTestStack } from "./support/stack.js";

const root = repoRoot();
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The ```sh blocks of a README section (from its `## ` heading to the next). */
function shBlocks(section: string): string[][] {
  const start = readme.indexOf(`\n## ${section}`);
  if (start < 0) throw new Error(`README has no section ${section}`);
  const end = readme.indexOf("\n## ", start + 1);
  const text = readme.slice(start, end < 0 ? undefined : end);
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    (m[1] as string)
      .split("\n")
      .map((line) => line.replace(/\s+#\s.*$/, "").trim())
      .filter((line) => line.length > 0),
  );
}

let stack: Stack | undefined;
const running = (): Stack => {
  if (!stack) throw new Error("the stack did not start");
  return stack;
};
const hostPort = (url: string) => new URL(url.includes("://") ? url : `tcp://${url}`).host;

/**
 * The command as it must run against this stack: the README's `make dev` addresses (read from the
 * services' dev configs) replaced by the stack's, and the CLI's defaults (NATS, gRPC, Redis,
 * JSON-RPC URL) given as the options they stand for.
 */
function localize(command: string, s: Stack): string {
  const api = s.config("orchestrator").api as { addr: string };
  const addresses: Array<[string, string]> = [
    [s.config("miner-edge").listen_addr as string, hostPort(s.endpoints("miner-edge").sv2 as string)],
    [api.addr, hostPort(s.endpoints("orchestrator").rest as string)],
    [s.config("relay-gateway").rpc_addr as string, hostPort(s.endpoints("relay-gateway").jsonrpc as string)],
  ];
  let out = command;
  for (const [from, to] of addresses) out = out.split(from).join(to);
  out = out.replace(/(^|\s)\.dev\//g, `$1${s.devDir}/`);
  if (/^npx gatehouse (tail|streams)\b/.test(out)) out += ` -s ${s.natsUrl}`;
  const grpc = /^npx gatehouse grpc (\S+)/.exec(out);
  if (grpc) out += ` --addr ${s.endpoints(grpc[1] as string).grpc}`;
  if (/^npx gatehouse relay put-secret\b/.test(out)) out += ` --redis ${s.redisUrl} --redis-prefix ${s.namespace.redisPrefix}`;
  if (/^npx gatehouse relay send\b/.test(out)) out += ` --url ${s.endpoints("relay-gateway").jsonrpc}`;
  return out;
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  output: () => string;
  exited: Promise<number | null>;
}

function run(command: string): Run {
  // Its own process group: stopping it stops npx and the node process it starts.
  const child = spawn("bash", ["-c", command], { cwd: root, env: { ...process.env, GH_CLI_NO_BUILD: "1" }, detached: true });
  let stdout = "";
  let all = "";
  child.stdout?.setEncoding("utf8").on("data", (c: string) => {
    stdout += c;
    all += c;
  });
  child.stderr?.setEncoding("utf8").on("data", (c: string) => {
    all += c;
  });
  return { child, stdout: () => stdout, output: () => all, exited: new Promise((resolve) => child.once("exit", resolve)) };
}

function stop(r: Run, signal: NodeJS.Signals): void {
  try {
    process.kill(-(r.child.pid as number), signal);
  } catch {
    // Already gone.
  }
}

async function succeeds(command: string, timeoutMs = 120_000): Promise<string> {
  const r = run(command);
  const timer = setTimeout(() => stop(r, "SIGKILL"), timeoutMs);
  const code = await r.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`\`${command}\` exited ${code}:\n${r.output()}`);
  return r.stdout();
}

/** A command that runs until stopped (tail without -n): it must print a JSON line, then it is stopped. */
async function printsJson(r: Run, command: string, timeoutMs = 120_000): Promise<unknown> {
  try {
    await waitFor(() => r.stdout().includes("\n"), { timeoutMs, intervalMs: 100, description: `\`${command}\` printed nothing` });
    return JSON.parse(r.stdout().split("\n")[0] as string);
  } finally {
    stop(r, "SIGINT");
    await r.exited;
  }
}

const forever = (command: string) => /^npx gatehouse tail\b/.test(command) && !/\s-n\s/.test(command);

beforeAll(async () => {
  const ns = testNamespace("readme");
  stack = await startTestStack("readme", { namespace: { subjectRoot: "gh", streamPrefix: "", redisPrefix: ns.redisPrefix } });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

describe("the README's commands work verbatim against make dev's stack", () => {
  const walkthrough = shBlocks("Walkthrough: the living stack");
  const watch = shBlocks("Watch it");
  const all = [...walkthrough, ...watch].flat();

  it("finds the commands it runs", () => {
    expect(all.some((c) => c.startsWith("npx gatehouse-loadgen "))).toBe(true);
    expect(all.filter((c) => c.startsWith("curl ")).length).toBeGreaterThanOrEqual(4);
    expect(all.filter((c) => c.startsWith("npx gatehouse relay ")).length).toBe(3);
  });

  it("mines with the load generator: its JSON report counts accepted shares", async () => {
    const command = all.find((c) => c.startsWith("npx gatehouse-loadgen ")) as string;
    const out = await succeeds(localize(command, running()), 180_000);
    const report = JSON.parse(out.slice(out.lastIndexOf('{\n  "type": "final"'))) as { accepted: number; rejected: number };
    expect(report.accepted).toBeGreaterThan(0);
  }, 200_000);

  it("watches the bus: tail, streams and grpc print what they promise", async () => {
    for (const command of all.filter((c) => /^npx gatehouse (tail|streams|grpc)\b/.test(c) && !c.includes("workflow"))) {
      const local = localize(command, running());
      if (forever(command)) {
        expect(await printsJson(run(local), local)).toMatchObject({ subject: expect.stringMatching(/^gh\./) });
      } else {
        const out = await succeeds(local);
        expect(out.trim().length).toBeGreaterThan(0);
        if (/\btail\b/.test(command) && !command.includes("--pretty")) for (const line of out.trim().split("\n")) JSON.parse(line);
      }
    }
  }, 300_000);

  it("calls the relay DON: the stored secret comes back through the quorum, the capability answers", async () => {
    const [put, get, capability] = all.filter((c) => c.startsWith("npx gatehouse relay ")) as [string, string, string];
    await succeeds(localize(put, running()));
    expect(await succeeds(localize(get, running()))).toContain("hunter2");
    expect((await succeeds(localize(capability, running()))).length).toBeGreaterThan(0);
  }, 120_000);

  it("runs the workflows: work, score and close epoch each COMPLETED, listed by studio, every transition on the bus", async () => {
    const s = running();
    const block = walkthrough.find((b) => b.some((c) => c.startsWith("curl ")));
    if (!block) throw new Error("no workflow block in the walkthrough");
    // The README's studio is the StudioProxy the stack deploys.
    expect(block.join("\n")).toContain(s.deployment.studioProxy.toLowerCase());
    const tails = block.filter(forever).map((c) => ({ command: c, run: run(localize(c, s)) }));
    const rest = s.endpoints("orchestrator").rest as string;
    for (const command of block.filter((c) => c.startsWith("curl "))) {
      const answer = JSON.parse(await succeeds(localize(command, s))) as { id?: string; workflows?: { state: string }[] };
      if (command.includes("-X POST")) {
        expect(answer.id).toMatch(/^[0-9a-f-]{36}$/);
        // "follow each with GET /workflows/<id> until COMPLETED"
        await waitFor(
          async () => ((await (await fetch(`${rest}/workflows/${answer.id}`)).json()) as { state: string }).state === "COMPLETED",
          { timeoutMs: 120_000, intervalMs: 500, description: `workflow of \`${command.slice(0, 80)}…\` did not complete` },
        );
      } else {
        expect(answer.workflows?.map((w) => w.state)).toEqual(["COMPLETED", "COMPLETED", "COMPLETED"]);
      }
    }
    for (const tail of tails) expect(await printsJson(tail.run, tail.command, 10_000)).toMatchObject({ subject: "gh.workflow.event" });
  }, 420_000);
});
