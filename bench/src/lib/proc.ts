// What a process has used so far, read from Linux /proc.
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

/** CPU seconds (user + system) a process has used: fields 14 and 15 of /proc/<pid>/stat, 100 ticks/s. */
export function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory of a process in bytes; 0 once it is gone. */
export function rssBytesOf(pid: number): number {
  let status = "";
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return 0;
  }
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return Number(match?.[1] ?? 0) * 1024;
}

/**
 * Stops a service the benchmark started: SIGTERM and its own shutdown (which is also when a
 * GH_PROFILE_DIR profile is written), SIGKILL if it is still there after `graceMs`.
 */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
