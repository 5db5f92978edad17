// What a process has used so far, read from Linux /proc.
import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** CPU seconds (user + system) a process has used: fields 14 and 15 of /proc/<pid>/stat, 100 ticks/s. */
export function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The inodes of the sockets `pid` holds open (its `/proc/<pid>/fd` links `socket:[inode]`); none once it is gone. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1] as string);
    } catch {
      // Closed between the listing and the read.
    }
  }
  return inodes;
}

interface TcpSocket {
  localPort: number;
  remotePort: number;
  /** State 0A: a server's listening socket. */
  listening: boolean;
}

/** Every TCP socket of this network namespace by inode, with its ports and whether it listens (`/proc/net/tcp`, `tcp6`). */
function tcpSockets(): Map<string, TcpSocket> {
  const sockets = new Map<string, TcpSocket>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let lines: string[] = [];
    try {
      lines = readFileSync(table, "utf8").split("\n").slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      const [local, remote, state, inode] = [fields[1], fields[2], fields[3], fields[9]];
      if (!local || !remote || !inode || inode === "0") continue;
      sockets.set(inode, {
        localPort: Number.parseInt(local.split(":")[1] ?? "", 16),
        remotePort: Number.parseInt(remote.split(":")[1] ?? "", 16),
        listening: state === "0A",
      });
    }
  }
  return sockets;
}

/**
 * The processes named `serverName` (their `/proc/<pid>/comm`) holding the server end of the TCP
 * connections `clientPid` has open to `serverPort` on this machine: for PostgreSQL, the backends
 * serving that client (one process per connection).
 */
export function serverProcessesOf(clientPid: number, serverPort: number, serverName: string): number[] {
  const sockets = tcpSockets();
  const clientPorts = new Set<number>();
  for (const inode of socketInodes(clientPid)) {
    const socket = sockets.get(inode);
    if (socket?.remotePort === serverPort) clientPorts.add(socket.localPort);
  }
  if (clientPorts.size === 0) return [];
  const servers: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let comm = "";
    try {
      comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    if (comm !== serverName) continue;
    for (const inode of socketInodes(pid)) {
      const socket = sockets.get(inode);
      if (socket?.localPort === serverPort && clientPorts.has(socket.remotePort)) {
        servers.push(pid);
        break;
      }
    }
  }
  return servers;
}

/**
 * The process listening on TCP `port` on this machine, or undefined when none is visible (no
 * listener, or another user's process): lets a benchmark read the CPU of a server it did not
 * start, such as the NATS server.
 */
export function listenerPid(port: number): number | undefined {
  const listening = new Set<string>();
  for (const [inode, socket] of tcpSockets()) if (socket.listening && socket.localPort === port) listening.add(inode);
  if (listening.size === 0) return undefined;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    for (const inode of socketInodes(Number(entry))) if (listening.has(inode)) return Number(entry);
  }
  return undefined;
}

/**
 * CPU seconds a changing set of processes used over a stretch (the PostgreSQL backends serving a
 * client come and go with its pool): `sample` finds them again and reads each one's CPU, counting
 * from its value at the first sample (0 for a process first seen later: it started within the
 * stretch). A process that exits loses what it used since the last sample.
 */
export class ProcessSetCpu {
  readonly #first = new Map<number, number>();
  readonly #last = new Map<number, number>();
  #started = false;

  constructor(private readonly find: () => number[]) {}

  sample(): void {
    for (const pid of this.find()) {
      let cpu: number;
      try {
        cpu = cpuSecondsOf(pid);
      } catch {
        continue;
      }
      if (!this.#first.has(pid)) this.#first.set(pid, this.#started ? 0 : cpu);
      this.#last.set(pid, cpu);
    }
    this.#started = true;
  }

  /** How many processes were seen. */
  get processes(): number {
    return this.#first.size;
  }

  get cpuSeconds(): number {
    let sum = 0;
    for (const [pid, last] of this.#last) sum += last - (this.#first.get(pid) ?? 0);
    return sum;
  }
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
