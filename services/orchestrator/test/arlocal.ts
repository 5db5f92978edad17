// arlocal (a local Arweave gateway emulator from npm) as a child process on a free port, for the
// Arweave evidence tests: mint tokens, mine blocks, stop.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { freePort } from "@gatehouse/service";
import { waitFor } from "@gatehouse/testkit";

export class ArLocal {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(): Promise<ArLocal> {
    const port = await freePort();
    const bin = join(dirname(createRequire(import.meta.url).resolve("arlocal/package.json")), "bin", "index.js");
    // arlocal joins --dbpath to its working directory: a fresh directory per instance.
    const dir = mkdtempSync(join(tmpdir(), "gh-arlocal-"));
    // Through a shell that holds our pipe, so arlocal stops even if this process is SIGKILLed.
    const child = spawn(
      "/bin/sh",
      [
        "-c",
        'node="$0"; "$node" "$@" & pid=$!; read -r _; kill "$pid"; wait "$pid"',
        process.execPath,
        bin,
        String(port),
        "--hidelogs",
        "--dbpath",
        "db",
      ],
      { cwd: dir, stdio: ["pipe", "ignore", "ignore"] },
    );
    const arlocal = new ArLocal(`http://127.0.0.1:${port}`, child, dir);
    try {
      await waitFor(async () => child.exitCode === null && (await fetch(`${arlocal.url}/info`)).ok, {
        timeoutMs: 30_000,
        intervalMs: 100,
        description: `arlocal on port ${port}`,
      });
    } catch (err) {
      await arlocal.stop();
      throw err;
    }
    return arlocal;
  }

  /** Credits `winston` to `address`. */
  async mint(address: string, winston: bigint): Promise<void> {
    await this.get(`mint/${address}/${winston}`);
  }

  /** Mines `blocks` blocks; pending transactions go into the first. */
  async mine(blocks = 1): Promise<void> {
    await this.get(`mine/${blocks}`);
  }

  async balance(address: string): Promise<bigint> {
    return BigInt(await this.get(`wallet/${address}/balance`));
  }

  private async get(path: string): Promise<string> {
    const response = await fetch(`${this.url}/${path}`);
    const body = await response.text();
    if (!response.ok) throw new Error(`arlocal GET /${path}: HTTP ${response.status} ${body}`);
    return body;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.stdin?.end();
      const force = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(force);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
