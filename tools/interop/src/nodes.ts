// The real peers as processes: regtest Bitcoin Core (RPC on loopback, no P2P listening, IPC socket
// for sv2-tp) and sv2-tp beside it. Both run on the dev runner's leash (tools/dev Supervised), so
// they stop when the suite dies, even by SIGKILL.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Supervised } from "@gatehouse/dev";
import { waitFor } from "@gatehouse/testkit";
import { PeerStartError } from "./errors.js";
import { CoreRpc } from "./rpc.js";

const HOST = "127.0.0.1";
const TAIL_LINES = 60;

/** A supervised process that keeps its last lines for failure messages and lets callers watch lines. */
export class PeerProcess {
  readonly proc: Supervised;
  readonly #tail: string[] = [];
  readonly #watchers = new Set<(line: string) => void>();

  constructor(name: string, command: string, args: string[], echo: boolean) {
    this.proc = new Supervised(
      { name, command, args },
      {
        autoRestart: false,
        onLine: (line) => {
          this.#tail.push(line);
          if (this.#tail.length > TAIL_LINES) this.#tail.shift();
          if (echo) process.stderr.write(`[${name}] ${line}\n`);
          for (const watch of this.#watchers) watch(line);
        },
        onNotice: (message) => process.stderr.write(`[${name}] ${message}\n`),
      },
    );
  }

  tail(): string[] {
    return [...this.#tail];
  }

  /** Calls `watch` with every line from now on. */
  watch(watch: (line: string) => void): void {
    this.#watchers.add(watch);
  }

  /** Resolves with the first line (from now on) that `pattern` matches. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#watchers.delete(watch);
        reject(
          new PeerStartError(
            `${this.proc.name}: no line matching ${pattern} within ${timeoutMs} ms; last output:\n${this.tail().slice(-15).join("\n")}`,
          ),
        );
      }, timeoutMs);
      const watch = (line: string) => {
        const match = pattern.exec(line);
        if (!match) return;
        clearTimeout(timer);
        this.#watchers.delete(watch);
        resolve(match);
      };
      this.#watchers.add(watch);
    });
  }
}

export interface CoreNode {
  rpc: CoreRpc;
  rpcUrl: string;
  rpcUser: string;
  rpcPassword: string;
  datadir: string;
  process: PeerProcess;
}

/**
 * Starts regtest Core in `datadir`: RPC on 127.0.0.1:`rpcPort` with a random password kept in the
 * datadir's bitcoin.conf (never on the command line), no P2P listening, and the IPC socket
 * (`<datadir>/regtest/node.sock`) when `ipc`.
 */
export async function startCore(options: {
  binary: string;
  datadir: string;
  rpcPort: number;
  ipc: boolean;
  echo: boolean;
}): Promise<CoreNode> {
  const rpcUser = "interop";
  const rpcPassword = randomBytes(16).toString("hex");
  writeFileSync(
    join(options.datadir, "bitcoin.conf"),
    [
      "regtest=1",
      "[regtest]",
      `rpcuser=${rpcUser}`,
      `rpcpassword=${rpcPassword}`,
      `rpcbind=${HOST}`,
      `rpcallowip=${HOST}`,
      `rpcport=${options.rpcPort}`,
      "listen=0",
      "dnsseed=0",
      "fixedseeds=0",
      // A long-poll holds an RPC thread; the suite's batches and the verifier's calls need others.
      "rpcthreads=16",
      "printtoconsole=1",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  const args = [`-datadir=${options.datadir}`, ...(options.ipc ? ["-ipcbind=unix"] : [])];
  const process = new PeerProcess("bitcoin-core", options.binary, args, options.echo);
  process.proc.start();
  const rpcUrl = `http://${HOST}:${options.rpcPort}/`;
  const rpc = new CoreRpc(rpcUrl, rpcUser, rpcPassword);
  await waitFor(
    async () => {
      if (!process.proc.running) throw new PeerStartError(`Core exited: ${process.tail().slice(-10).join("\n")}`);
      return rpc.answers();
    },
    { timeoutMs: 60_000, intervalMs: 200, description: "Bitcoin Core's RPC" },
  );
  return { rpc, rpcUrl, rpcUser, rpcPassword, datadir: options.datadir, process };
}

export interface TemplateProvider {
  address: string;
  /** base58check authority key the TP prints at start; its certificate is checked against it. */
  authorityKey: string;
  process: PeerProcess;
}

/** Starts sv2-tp against the node's IPC socket, listening on 127.0.0.1:`port`. */
export async function startTemplateProvider(options: {
  binary: string;
  datadir: string;
  port: number;
  echo: boolean;
}): Promise<TemplateProvider> {
  const args = [
    "-regtest",
    `-datadir=${options.datadir}`,
    "-conf=0",
    "-ipcconnect=unix",
    `-sv2bind=${HOST}`,
    `-sv2port=${options.port}`,
    "-debuglogfile=0",
    "-printtoconsole=1",
    "-debug=sv2",
  ];
  const process = new PeerProcess("sv2-tp", options.binary, args, options.echo);
  const key = process.waitForLine(/Template Provider authority key: (\S+)/, 60_000);
  process.proc.start();
  const [, authorityKey] = await key;
  return { address: `${HOST}:${options.port}`, authorityKey: authorityKey as string, process };
}
