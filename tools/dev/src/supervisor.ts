import { type ChildProcess, spawn } from "node:child_process";
import { colour, formatLogLine } from "./format.js";

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** URL that answers 200 when the process is ready. */
  readyUrl?: string;
  /** ANSI colour code of its log prefix. */
  colour: string;
}

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** A run this long counts as healthy and resets the backoff. */
const STABLE_AFTER_MS = 60_000;

/**
 * Keeps one process running: prefixes and colours its output, restarts it with exponential
 * backoff when it exits on its own, and stops it with SIGTERM (then SIGKILL) on request.
 */
export class Supervised {
  #child: ChildProcess | undefined;
  #stopping = false;
  #backoffMs = MIN_BACKOFF_MS;
  #restarts = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly spec: ProcessSpec,
    private readonly out: (line: string) => void,
    private readonly colours: boolean,
  ) {}

  get restarts(): number {
    return this.#restarts;
  }

  start(): void {
    const startedAt = Date.now();
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.cwd,
      env: { ...process.env, ...this.spec.env },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: a terminal's Ctrl-C reaches only the runner, which then stops
      // each process once, in order.
      detached: true,
    });
    this.#child = child;
    const prefix = colour(this.spec.colour, `[${this.spec.name}]`.padEnd(20), this.colours);
    const pipe = (stream: NodeJS.ReadableStream | null) => {
      let rest = "";
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop() ?? "";
        for (const line of lines) if (line.trim()) this.out(`${prefix} ${formatLogLine(line, this.colours)}`);
      });
    };
    pipe(child.stdout);
    pipe(child.stderr);
    child.once("error", (err) => this.out(`${prefix} cannot start: ${err.message}`));
    child.once("exit", (code, signal) => {
      this.#child = undefined;
      if (this.#stopping) return;
      if (Date.now() - startedAt > STABLE_AFTER_MS) this.#backoffMs = MIN_BACKOFF_MS;
      this.out(`${prefix} exited (${code ?? signal}); restarting in ${this.#backoffMs} ms`);
      this.#timer = setTimeout(() => {
        this.#restarts += 1;
        this.start();
      }, this.#backoffMs);
      this.#backoffMs = Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2);
    });
  }

  /** Last resort when the runner itself is exiting abruptly. */
  kill(): void {
    this.#stopping = true;
    this.#child?.kill("SIGKILL");
  }

  async stop(graceMs = 15_000): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    const child = this.#child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
      child.once("exit", () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill("SIGTERM");
    });
  }
}
