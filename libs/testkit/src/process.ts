import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WaitTimeoutError } from "@gatehouse/service";
import { stringify as toToml } from "smol-toml";
import { LogWaitAbortedError, ServiceStartError, TestEnvironmentError } from "./errors.js";
import { repoRoot } from "./repo.js";

export interface ServiceProcessOptions {
  /** Directory name under services/ (e.g. `miner-edge`). */
  service: string;
  /** Entry point to run instead of services/<service>/dist/main.js. */
  entry?: string;
  /** Written to a TOML file passed with --config. Ops and gRPC default to ephemeral loopback ports. */
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** Echo the child's output to this process (for debugging a test). */
  echo?: boolean;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LogLine {
  level?: string;
  msg?: string;
  [key: string]: unknown;
}

/** Entry point of a built service. */
export function serviceMain(service: string): string {
  const main = join(repoRoot(), "services", service, "dist", "main.js");
  if (!existsSync(main)) throw new TestEnvironmentError(`${main} is missing: build first (make build)`);
  return main;
}

/**
 * With GH_PROFILE_DIR set, every service process is started under V8's CPU profiler and writes a
 * `.cpuprofile` into `<GH_PROFILE_DIR>/<service>/` when it exits (Node refuses --cpu-prof in NODE_OPTIONS).
 */
export function profileFlags(service: string): string[] {
  const dir = process.env.GH_PROFILE_DIR;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${join(dir, service)}`] : [];
}

/**
 * A service running as a real process, started from its built entry point with a generated
 * config file. `start` resolves once the service logs "service started".
 */
export class ServiceProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<ExitStatus>;
  endpoints: Record<string, string> = {};
  #listeners = new Set<() => void>();

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    echo: boolean,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    let buffered = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      if (echo) process.stdout.write(chunk);
      buffered += chunk;
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const part of parts) {
        if (!part.trim()) continue;
        try {
          this.lines.push(JSON.parse(part) as LogLine);
        } catch {
          this.lines.push({ msg: part });
        }
      }
      for (const listener of this.#listeners) listener();
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      if (echo) process.stderr.write(chunk);
      this.stderr.push(chunk);
    });
  }

  static async start(options: ServiceProcessOptions): Promise<ServiceProcess> {
    const dir = mkdtempSync(join(tmpdir(), `gh-${options.service}-`));
    const configFile = join(dir, "config.toml");
    writeFileSync(configFile, toToml({ http_addr: "127.0.0.1:0", grpc_addr: "127.0.0.1:0", ...options.config }));
    const child = spawn(
      process.execPath,
      [...profileFlags(options.service), options.entry ?? serviceMain(options.service), "--config", configFile],
      {
        cwd: repoRoot(),
        env: { ...process.env, ...options.env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const proc = new ServiceProcess(options.service, child, options.echo ?? false);
    const exitedEarly = new AbortController();
    void proc.exited.then(() => exitedEarly.abort());
    let started: LogLine;
    try {
      started = await proc.waitForLog((line) => line.msg === "service started", options.startTimeoutMs ?? 20_000, exitedEarly.signal);
    } catch (err) {
      if (!exitedEarly.signal.aborted) {
        child.kill("SIGKILL");
        throw err;
      }
      const status = await proc.exited;
      throw new ServiceStartError(options.service, status.code ?? status.signal, proc.stderr.join("").trim());
    }
    proc.endpoints = (started.endpoints ?? {}) as Record<string, string>;
    return proc;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Resolves with the first log line (already seen or future) matching `predicate`. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 10_000, signal?: AbortSignal): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.lines.find(predicate);
        if (!found) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new WaitTimeoutError(`a matching log line from ${this.name}`, timeoutMs, undefined));
      }, timeoutMs);
      const abort = () => {
        cleanup();
        reject(new LogWaitAbortedError(`${this.name}: stopped waiting for a log line`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        signal?.removeEventListener("abort", abort);
      };
      if (check()) return;
      this.#listeners.add(check);
      signal?.addEventListener("abort", abort, { once: true });
    });
  }

  /** Sends a signal and waits for the exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000): Promise<ExitStatus> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    const status = await this.exited;
    clearTimeout(timer);
    return status;
  }

  /** kill -9: no shutdown hooks run. */
  kill9(): Promise<ExitStatus> {
    return this.stop("SIGKILL");
  }
}
