// The bcoin regtest node of the dev stack (services/template-verifier/scripts/bcoin-regtest.cjs):
// its JSON-RPC and wallet API, funding two wallets, and a steady trickle of fee-paying
// transactions so templates carry fees and segwit transactions as mainnet ones do.

import { waitFor } from "@gatehouse/service";
import { BcoinRpcError } from "./errors.js";

interface RpcAnswer<T> {
  result: T;
  error: { code: number; message: string } | null;
}

/** The two wallets: a witness one (P2WPKH spends, txid ≠ wtxid) and a legacy one (P2PKH). */
export const WALLETS = ["segwit", "legacy"] as const;
export type WalletName = (typeof WALLETS)[number];

/** Mature coins per wallet after funding; each funds a long chain of payments. */
const COINS_PER_WALLET = 25;
const COINBASE_MATURITY = 100;

export class BcoinClient {
  readonly #auth: string;

  constructor(
    readonly rpcUrl: string,
    readonly walletUrl: string,
    apiKey: string,
  ) {
    this.#auth = `Basic ${Buffer.from(`x:${apiKey}`).toString("base64")}`;
  }

  async rpc<T>(method: string, params: unknown[] = [], timeoutMs = 10_000): Promise<T> {
    const res = await fetch(this.rpcUrl, {
      method: "POST",
      headers: { authorization: this.#auth, "content-type": "application/json" },
      body: JSON.stringify({ method, params, id: 1 }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json()) as RpcAnswer<T>;
    if (body.error) throw new BcoinRpcError(`bcoin ${method}: ${body.error.message}`);
    return body.result;
  }

  async wallet<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.walletUrl}${path}`, {
      method,
      headers: { authorization: this.#auth, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new BcoinRpcError(`bcoin wallet ${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }

  async answers(): Promise<boolean> {
    try {
      await this.rpc("getblockcount", [], 1_000);
      return true;
    } catch {
      return false;
    }
  }

  height(): Promise<number> {
    return this.rpc<number>("getblockcount");
  }

  /**
   * Creates the two wallets and mines their coins to maturity: 25 coinbases each, then 100 more
   * blocks. Resolves with each wallet's receiving address once coin selection sees the coins.
   */
  async fundWallets(): Promise<Record<WalletName, string>> {
    const addresses = {} as Record<WalletName, string>;
    for (const name of WALLETS) {
      await this.wallet("PUT", `/wallet/${name}`, { witness: name === "segwit" });
      addresses[name] = (await this.wallet<{ address: string }>("POST", `/wallet/${name}/address`, { account: "default" })).address;
    }
    for (const name of WALLETS) await this.rpc("generatetoaddress", [COINS_PER_WALLET, addresses[name]]);
    await this.rpc("generatetoaddress", [COINBASE_MATURITY, addresses.segwit]);
    // bcoin's wallet lags bulk mining by about a second ("Not enough funds" meanwhile).
    await waitFor(
      async () => {
        const balances = await Promise.all(WALLETS.map((name) => this.wallet<{ confirmed: number }>("GET", `/wallet/${name}/balance`)));
        return balances.every((b) => b.confirmed >= COINS_PER_WALLET * 50e8);
      },
      { timeoutMs: 20_000, description: "bcoin wallets seeing their mined coins", intervalMs: 200, onError: "fail" },
    );
    return addresses;
  }

  /**
   * Fills the mempool with at least `bytes` of standard P2WPKH payments (~470 bytes each, independent,
   * 2-20 sat/vB) through the node script's `gh_fillmempool`, which mines and matures their coins first.
   */
  fillMempool(bytes: number): Promise<{ transactions: number; bytes: number; mempoolTransactions: number; height: number }> {
    return this.rpc("gh_fillmempool", [bytes], 600_000);
  }

  /** Transactions in the mempool. */
  async mempoolSize(): Promise<number> {
    return (await this.rpc<{ size: number }>("getmempoolinfo")).size;
  }

  /** Pays `value` satoshis from `from` to `address` at `rate` sat/kvB; resolves with the txid. */
  async pay(from: WalletName, address: string, value: number, rate: number): Promise<string> {
    return (await this.wallet<{ hash: string }>("POST", `/wallet/${from}/send`, { rate, outputs: [{ address, value }] })).hash;
  }
}

export interface TxActivityStats {
  sent: number;
  segwit: number;
  legacy: number;
  failed: number;
  lastError: string | undefined;
}

/**
 * Sends a payment every `intervalMs`, alternating between the segwit and the legacy wallet (each
 * paying the other), at fee rates between 1 and 5 sat/vB. One payment in flight at a time.
 */
export class TxActivity {
  readonly #stats: TxActivityStats = { sent: 0, segwit: 0, legacy: 0, failed: 0, lastError: undefined };
  #timer: NodeJS.Timeout | undefined;
  #turn = 0;
  #busy = false;

  constructor(
    private readonly bcoin: BcoinClient,
    private readonly addresses: Record<WalletName, string>,
    private readonly intervalMs: number,
    private readonly onError: (message: string) => void,
  ) {}

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.sendOne(), this.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  stats(): TxActivityStats {
    return { ...this.#stats };
  }

  /** One payment now (the timer's job; tests call it to fill a template at once). */
  async sendOne(): Promise<string | undefined> {
    if (this.#busy) return undefined;
    this.#busy = true;
    const from = WALLETS[this.#turn++ % WALLETS.length] as WalletName;
    const to = from === "segwit" ? this.addresses.legacy : this.addresses.segwit;
    try {
      const rate = 1_000 + Math.floor(Math.random() * 4_000);
      const txid = await this.bcoin.pay(from, to, 10_000 + Math.floor(Math.random() * 90_000), rate);
      this.#stats.sent += 1;
      this.#stats[from] += 1;
      return txid;
    } catch (err) {
      this.#stats.failed += 1;
      const message = (err as Error).message;
      // Report the first failure of a kind, not every tick of an outage.
      if (message !== this.#stats.lastError) this.onError(`wallet payment from ${from} failed: ${message}`);
      this.#stats.lastError = message;
      return undefined;
    } finally {
      this.#busy = false;
    }
  }
}

/**
 * Keeps a full block's worth of transactions waiting: fills the mempool with `bytes` of payments,
 * and again whenever blocks have taken more than half of the last fill, so every template is
 * mainnet-size (4 M weight) while it runs. One fill in flight at a time.
 */
export class MempoolFiller {
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #floor = 0;
  fills = 0;

  constructor(
    private readonly bcoin: BcoinClient,
    private readonly bytes: number,
    private readonly checkEveryMs: number,
    private readonly onNotice: (message: string) => void,
  ) {}

  start(): void {
    if (this.#timer) return;
    void this.check();
    this.#timer = setInterval(() => void this.check(), this.checkEveryMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Fills when the mempool holds less than half of what the last fill left (always the first time). */
  async check(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      if ((await this.bcoin.mempoolSize()) >= this.#floor && this.fills > 0) return;
      const filled = await this.bcoin.fillMempool(this.bytes);
      this.fills += 1;
      this.#floor = Math.floor(filled.mempoolTransactions / 2);
      this.onNotice(
        `mempool filled: ${filled.transactions} transactions, ${filled.bytes} bytes (mempool ${filled.mempoolTransactions}), height ${filled.height}`,
      );
    } catch (err) {
      this.onNotice(`mempool fill failed: ${(err as Error).message}`);
    } finally {
      this.#busy = false;
    }
  }
}
