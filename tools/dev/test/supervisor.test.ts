// The dev stack's process handle: output as lines, kill -9 and start again, graceful stop, and
// automatic restarts only when asked for.

import { waitFor } from "@gatehouse/testkit";
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

const LONG_RUNNING =
  "console.log('up ' + process.pid); process.on('SIGTERM', () => { console.log('bye'); process.exit(0); }); setInterval(() => {}, 1000);";

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
});
