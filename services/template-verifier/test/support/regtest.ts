import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BcoinClient } from "@gatehouse/dev";
import { freePort } from "@gatehouse/service";
import { waitFor } from "@gatehouse/testkit";

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "../../scripts/bcoin-regtest.cjs");

/** A real bcoin regtest node in a child process, on free loopback ports, with RPC and wallet helpers. */
export class Regtest extends BcoinClient {
  #walletId = "";

  private constructor(
    private readonly child: ChildProcess,
    readonly httpPort: number,
    readonly walletPort: number,
    readonly apiKey: string,
  ) {
    super(`http://127.0.0.1:${httpPort}/`, `http://127.0.0.1:${walletPort}`, apiKey);
  }

  static async start(): Promise<Regtest> {
    const [httpPort, walletPort] = [await freePort(), await freePort()];
    const apiKey = `k${Math.random().toString(36).slice(2)}`;
    const child = spawn(process.execPath, [SCRIPT, String(httpPort), String(walletPort), apiKey], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    let exited = false;
    child.once("exit", () => {
      exited = true;
    });
    await waitFor(() => out.includes('"ready":true') || exited, { timeoutMs: 60_000, description: "bcoin regtest node ready" });
    if (exited) throw new Error(`bcoin exited: ${err}`);
    return new Regtest(child, httpPort, walletPort, apiKey);
  }

  /** A witness wallet funded with mature coinbases, so its spends are segwit (txid ≠ wtxid). */
  async fundWitnessWallet(): Promise<string> {
    this.#walletId = "seg";
    await this.wallet("PUT", `/wallet/${this.#walletId}`, { witness: true });
    const { address } = await this.wallet<{ address: string }>("POST", `/wallet/${this.#walletId}/address`, { account: "default" });
    await this.rpc("generatetoaddress", [110, address]);
    await waitFor(
      async () => {
        const balance = await this.wallet<{ confirmed: number }>("GET", `/wallet/${this.#walletId}/balance`);
        return balance.confirmed >= 110 * 5_000_000_000 * 0.5;
      },
      { timeoutMs: 15_000, description: "wallet sees its mined coins" },
    );
    return address;
  }

  /** Sends `count` fee-paying segwit transactions to `address`; resolves with their txids. */
  async sendPayments(address: string, count: number, value = 100_000): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      // bcoin's coin selection lags the wallet's balance for about a second after bulk mining: retry until it funds.
      const tx = await waitFor(
        () => this.wallet<{ hash: string }>("POST", `/wallet/${this.#walletId}/send`, { rate: 2_000 + i, outputs: [{ address, value }] }),
        { timeoutMs: 15_000, intervalMs: 200, description: "wallet funds a payment" },
      );
      ids.push(tx.hash);
    }
    return ids;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    await exited;
  }
}
