// `make dev` as a user runs it: the whole stack comes up, the banner lists the endpoints and the
// authority key (also written to <dev dir>/authority.pub), blocks are found and shares forwarded
// within two minutes, Ctrl-C (SIGINT) stops everything cleanly, and a second run reuses the keys.
// Runs on shifted ports and its own subject root so it never meets a dev stack on this machine.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@gatehouse/service";
import { removeNamespace, repoRoot, testNamespace, waitFor } from "@gatehouse/testkit";
import { afterAll, describe, expect, it } from "@jest/globals";

const devDir = mkdtempSync(join(tmpdir(), "gh-dev-runner-"));
const ns = testNamespace("dev");

function runDev(
  offset: number,
  extra: string[] = [],
): { child: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    [
      join(repoRoot(), "tools/dev/dist/main.js"),
      ...["--ports-offset", String(offset), "--subject-root", ns.subjectRoot, "--stream-prefix", ns.streamPrefix],
      ...["--dev-dir", devDir, "--status-interval-s", "2", "--no-color", ...extra],
    ],
    { env: { ...process.env, FORCE_COLOR: "0" } },
  );
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    out += c;
  });
  child.stderr.setEncoding("utf8").on("data", (c: string) => {
    out += c;
  });
  return { child, output: () => out, exited: new Promise((resolve) => child.once("exit", resolve)) };
}

/** The numbers of the last status line: blocks accepted and shares forwarded to the pool. */
function lastStatus(out: string): { accepted: number; forwarded: number } | undefined {
  const lines = out.split("\n").filter((l) => l.startsWith("[status]"));
  const match = /blocks found \d+, accepted (\d+).*forwarded to the pool (\d+)/.exec(lines[lines.length - 1] ?? "");
  return match ? { accepted: Number(match[1]), forwarded: Number(match[2]) } : undefined;
}

afterAll(async () => {
  await removeNamespace(ns);
  rmSync(devDir, { recursive: true, force: true });
});

describe("the dev runner", () => {
  it("brings up the living stack, mines blocks through the edge, then stops everything on SIGINT; a second run reuses the keys", async () => {
    // A block of its own (offsets are multiples of 2000), every shifted port (3000–18444 + offset)
    // below Linux's ephemeral range (32768+): blocks 10000, 12000 or 14000.
    const offset = 2_000 * (5 + ((await freePort()) % 3));
    const first = runDev(offset);
    let authority = "";
    try {
      // The banner's last line: the lines before it may arrive in several chunks.
      await waitFor(() => first.output().includes("Ctrl-C stops everything"), {
        timeoutMs: 120_000,
        description: `the banner; output so far:\n${first.output()}`,
      });
      const out = first.output();
      expect(out).toContain(`SV2 miners        stratum2+tcp://127.0.0.1:${3333 + offset}`);
      expect(out).toContain(`relay JSON-RPC    http://127.0.0.1:${5002 + offset}/  (DON of 4 relay nodes, F = 1)`);
      expect(out).toContain(`orchestrator REST http://127.0.0.1:${3000 + offset}`);
      expect(out).toContain(`relay-node-3      ops http://127.0.0.1:${8386 + offset}`);
      authority = /authority key\s+(\S+)/.exec(out)?.[1] ?? "";
      expect(readFileSync(join(devDir, "authority.pub"), "utf8").trim()).toBe(authority);

      // Blocks found by the load generators, accepted by bcoin, and their shares forwarded.
      const status = await waitFor(
        () => {
          const s = lastStatus(first.output());
          return s && s.accepted >= 2 && s.forwarded >= 2 ? s : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500, description: "blocks accepted and shares forwarded in the status line" },
      );
      expect(status.accepted).toBeGreaterThanOrEqual(2);
      expect(first.output()).toMatch(/\[blocks\]\s+block \d+ [0-9a-f]{16}… found by dev\.miner-\d\.0, accepted by the node/);
    } finally {
      first.child.kill("SIGINT");
    }
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/\[dev\]\s+stopped/);
    expect(first.output()).not.toMatch(/restarting in/);
    await expect(fetch(`http://127.0.0.1:${8087 + offset}/healthz`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${18443 + offset}/`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${8545 + offset}/`)).rejects.toThrow();

    const second = runDev(offset, ["--only", "miner-edge", "--miners", "0"]);
    try {
      await waitFor(() => second.output().includes("Ctrl-C stops everything"), {
        timeoutMs: 90_000,
        description: `the second banner:\n${second.output()}`,
      });
      expect(/authority key\s+(\S+)/.exec(second.output())?.[1]).toBe(authority);
    } finally {
      second.child.kill("SIGINT");
    }
    expect(await second.exited).toBe(0);
  }, 300_000);
});
