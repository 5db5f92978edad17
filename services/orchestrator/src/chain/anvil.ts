import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { freePort } from "@gatehouse/service";
import { AnvilRpcError, DevChainError } from "./dev-chain-errors.js";

/** anvil's deterministic dev accounts (mnemonic "test test … junk"), index 0 first. */
export const ANVIL_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
] as const;

/** The anvil binary from the optional `@foundry-rs/anvil-linux-amd64` npm package. */
export function anvilBinary(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@foundry-rs/anvil-linux-amd64/package.json")), "bin", "anvil");
}

export interface AnvilOptions {
  port?: number;
  /** Seconds between blocks; automine (a block per transaction) when absent. */
  blockTimeSeconds?: number;
  chainId?: number;
  timeoutMs?: number;
}

/** A local anvil node; `stop()` kills it. */
export class Anvil {
  private constructor(
    readonly rpcUrl: string,
    readonly chainId: number,
    private readonly child: ChildProcess,
  ) {}

  static async start(options: AnvilOptions = {}): Promise<Anvil> {
    const port = options.port ?? (await freePort());
    const chainId = options.chainId ?? 31337;
    const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId), "--silent"];
    if (options.blockTimeSeconds) args.push("--block-time", String(options.blockTimeSeconds));
    // Through a shell that holds our pipe: when this process dies (even by SIGKILL) the pipe
    // closes and the shell stops anvil, so no node is left behind.
    const child = spawn(
      "/bin/sh",
      ["-c", 'anvil="$0"; "$anvil" "$@" & pid=$!; read -r _; kill "$pid"; wait "$pid"', anvilBinary(), ...args],
      {
        stdio: ["pipe", "ignore", "ignore"],
      },
    );
    const anvil = new Anvil(`http://127.0.0.1:${port}`, chainId, child);
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    for (;;) {
      if (child.exitCode !== null) throw new DevChainError(`anvil exited with ${child.exitCode}`);
      try {
        await anvil.rpc("eth_chainId", []);
        return anvil;
      } catch {
        if (Date.now() > deadline) {
          await anvil.stop();
          throw new DevChainError(`anvil did not answer on ${anvil.rpcUrl}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** A raw JSON-RPC call (anvil_* and evm_* methods included). */
  async rpc<T = unknown>(method: string, params: unknown[]): Promise<T> {
    const response = await fetch(this.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await response.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new AnvilRpcError(method, body.error.message);
    return body.result as T;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.stdin?.end();
    const force = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(force);
  }
}
