// The dev stack's process handle: output as lines, kill -9 and start again, graceful stop, and
// automatic restarts only when asked for.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, waitFor } from "@gatehouse/testkit";
import { describe, expect, it } from "@jest/globals";
import { Supervised } from "../src/supervisor.js";

function supervised(script: string, autoRestart: boolean) {
  const lines: string[] = [];
  const notices: string[] = [];
  const proc = new Supervised(
    { name: "t", command: process.execPath, args: ["-e", script] },
    { autoRestart, onLine: (line) => lines.push(line), onNotice: (message) => notices.push(message) },
  );
  return { proc, lines, notices };
}

// The SIGTERM handler is in place before "up" is printed: the test stops the process once it has
// read "up", and a loaded machine can deschedule the child between the two statements.
const LONG_RUNNING =
  "process.on('SIGTERM', () => { console.log('bye'); process.exit(0); }); console.log('up ' + process.pid); setInterval(() => {}, 1000);";

describe("Supervised", () => {
  it("is killed with -9 and stays down until started again; stop() lets it exit on SIGTERM", async () => {
    const { proc, lines, notices } = supervised(LONG_RUNNING, false);
    proc.start();
    await waitFor(() => lines.some((l) => l.startsWith("up ")), { description: "first start" });
    const firstPid = proc.pid;
    expect(await proc.kill("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
    expect(proc.running).toBe(false);
    expect(notices).toEqual(["exited (SIGKILL)"]);
    proc.start();
    await waitFor(() => lines.filter((l) => l.startsWith("up ")).length === 2, { description: "second start" });
    expect(proc.pid).not.toBe(firstPid);
    expect(await proc.stop()).toEqual({ code: 0, signal: null });
    expect(lines).toContain("bye");
    expect(proc.restarts).toBe(0);
  });

  it("restarts a process that exits on its own when autoRestart is set, and stop() ends that", async () => {
    const { proc, lines, notices } = supervised("console.log('run'); setTimeout(() => process.exit(3), 50);", true);
    proc.start();
    await waitFor(() => proc.restarts >= 1 && lines.filter((l) => l === "run").length >= 2, {
      timeoutMs: 10_000,
      description: "a restart",
    });
    expect(notices[0]).toBe("exited (3); restarting in 500 ms");
    await proc.stop();
    const runs = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(lines.length).toBe(runs);
    expect(proc.running).toBe(false);
  });

  it("stops the command when the runner dies, even by SIGKILL (the leash)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gh-leash-"));
    const marker = join(dir, "stopped");
    const command = `process.on('SIGTERM', () => { require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); process.exit(0); }); console.log('child ' + process.pid); setInterval(() => {}, 1000);`;
    const runner = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { Supervised } from ${JSON.stringify(join(repoRoot(), "tools/dev/dist/supervisor.js"))};
         new Supervised({ name: "leashed", command: process.execPath, args: ["-e", ${JSON.stringify(command)}] },
           { autoRestart: false, onLine: (l) => console.log(l), onNotice: () => {} }).start();`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    runner.stdout.setEncoding("utf8").on("data", (c: string) => {
      out += c;
    });
    try {
      const pid = Number((await waitFor(() => /child (\d+)/.exec(out), { description: "the leashed command's pid" }))[1]);
      runner.kill("SIGKILL");
      await waitFor(() => existsSync(marker), { timeoutMs: 5_000, description: "the command told to stop" });
      await waitFor(
        () => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        },
        { timeoutMs: 5_000, description: "the command gone" },
      );
    } finally {
      runner.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
