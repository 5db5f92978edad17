// What a process has used so far, read from Linux /proc.
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
