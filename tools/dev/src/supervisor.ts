import { type ChildProcess, spawn } from "node:child_process";

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export interface SupervisedOptions {
  /** Each line the process writes (stdout and stderr), without its newline. */
  onLine: (line: string) => void;
  /** Runner messages about this process (exits, restarts). */
  onNotice: (message: string) => void;
  /** Start it again when it exits on its own (exponential backoff). */
  autoRestart: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** A run this long counts as healthy and resets the backoff. */
const STABLE_AFTER_MS = 60_000;
/** Longest partial line kept while waiting for its newline. */
const MAX_LINE_CHARS = 64 * 1024;

/**
 * Runs "$@" on a leash: the shell holds a pipe from the runner, and when that closes (the runner
 * died, even by SIGKILL) it stops the command — TERM, then KILL after 10 s — so no miner keeps
 * hashing and no node keeps a dev port. Signals to the process group reach the command directly;
 * the shell only waits for it and exits with its status.
 */
const LEASH = `exec 3<&0
"$@" 0</dev/null 3<&- &
child=$!
( read -r _ <&3; kill -TERM "$child" 2>/dev/null; sleep 10; kill -KILL "$child" 2>/dev/null ) &
watcher=$!
exec 3<&-
trap : TERM INT HUP
wait "$child"
status=$?
while kill -0 "$child" 2>/dev/null; do
  wait "$child"
  status=$?
done
kill "$watcher" 2>/dev/null
exit "$status"`;

/**
 * One process of the stack: started in a process group of its own (a terminal's Ctrl-C reaches
 * only the runner, which then stops each process once, in order) and on a leash (it stops when
 * the runner dies), its output split into lines,
 * restarted with backoff when it exits on its own if asked, and killable or restartable on demand
 * (tests kill -9 services and start them again).
 */
export class Supervised {
  #child: ChildProcess | undefined;
  #wanted = false;
  #backoffMs = MIN_BACKOFF_MS;
  #restarts = 0;
  #timer: NodeJS.Timeout | undefined;
  #lastExit: ExitInfo | undefined;
  #exitWaiters: Array<(exit: ExitInfo) => void> = [];

  constructor(
    readonly spec: ProcessSpec,
    private readonly options: SupervisedOptions,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** The leash shell's pid: the process group the command runs in (signals go to the group). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Automatic restarts so far. */
  get restarts(): number {
    return this.#restarts;
  }

  get lastExit(): ExitInfo | undefined {
    return this.#lastExit;
  }

  /** Starts the process unless it is running. */
  start(): void {
    this.#wanted = true;
    clearTimeout(this.#timer);
    if (!this.#child) this.#spawn();
  }

  #spawn(): void {
    const startedAt = Date.now();
    const child = spawn("/bin/sh", ["-c", LEASH, this.spec.name, this.spec.command, ...this.spec.args], {
      cwd: this.spec.cwd,
      env: { ...process.env, ...this.spec.env },
      // stdin is the leash: never written, closed only when this process ends.
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    this.#child = child;
    this.#pipe(child.stdout);
    this.#pipe(child.stderr);
    child.once("error", (err) => this.options.onNotice(`cannot start ${this.spec.command}: ${err.message}`));
    child.once("exit", (code, signal) => {
      this.#child = undefined;
      const exit = { code, signal };
      this.#lastExit = exit;
      for (const resolve of this.#exitWaiters.splice(0)) resolve(exit);
      if (!this.#wanted) return;
      if (!this.options.autoRestart) {
        this.options.onNotice(`exited (${code ?? signal})`);
        return;
      }
      if (Date.now() - startedAt > STABLE_AFTER_MS) this.#backoffMs = MIN_BACKOFF_MS;
      this.options.onNotice(`exited (${code ?? signal}); restarting in ${this.#backoffMs} ms`);
      this.#timer = setTimeout(() => {
        this.#restarts += 1;
        this.#spawn();
      }, this.#backoffMs);
      this.#backoffMs = Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2);
    });
  }

  #pipe(stream: NodeJS.ReadableStream | null): void {
    let rest = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n");
      rest = (lines.pop() ?? "").slice(-MAX_LINE_CHARS);
      for (const line of lines) if (line.trim()) this.options.onLine(line);
    });
  }

  /** Resolves at the next exit of the running process (at once when none runs). */
  waitForExit(): Promise<ExitInfo> {
    if (!this.#child) return Promise.resolve(this.#lastExit ?? { code: null, signal: null });
    return new Promise((resolve) => this.#exitWaiters.push(resolve));
  }

  /**
   * Sends `signal` to the process group and waits for the exit. With autoRestart the supervisor
   * starts it again as after a crash; otherwise it stays down until `start()`.
   */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<ExitInfo> {
    const child = this.#child;
    if (!child?.pid) return this.#lastExit ?? { code: null, signal: null };
    const exited = this.waitForExit();
    signalGroup(child.pid, signal);
    return exited;
  }

  /** Stops it for good (until `start()`): SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<ExitInfo | undefined> {
    this.#wanted = false;
    clearTimeout(this.#timer);
    const child = this.#child;
    if (!child?.pid) return undefined;
    const exited = this.waitForExit();
    const pid = child.pid;
    const force = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
    signalGroup(pid, "SIGTERM");
    const exit = await exited;
    clearTimeout(force);
    return exit;
  }

  /** Stops it gracefully and starts it again. */
  async restart(graceMs?: number): Promise<void> {
    await this.stop(graceMs);
    this.start();
  }

  /** Last resort when the runner itself exits abruptly: synchronous, no waiting. */
  killNow(): void {
    this.#wanted = false;
    clearTimeout(this.#timer);
    if (this.#child?.pid) signalGroup(this.#child.pid, "SIGKILL");
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
