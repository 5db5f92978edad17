import { hashToDisplay, parseBlockTemplate, sha256d, toHex } from "@gatehouse/bitcoin";
import type { BlockFound, TemplateProposal } from "@gatehouse/proto/mining/v1";
import type { Logger } from "@gatehouse/service";
import type { MempoolPoll } from "../mempool-view.js";
import { proposalFromTemplate } from "./proposal.js";
import { type JsonRpcClient, RpcError } from "./rpc-client.js";
import type { SubmitOutcome, TemplateSource } from "./source.js";

export const BITCOIND_SOURCE = "bitcoind-rpc";

export interface BitcoindSourceOptions {
  rpc: JsonRpcClient;
  sourceInstanceId: string;
  payoutScript: Uint8Array;
  /** getbestblockhash fallback when long-poll is not answered. */
  pollIntervalMs: number;
  /** How long one long-poll request may hang before it is re-issued. */
  longPollTimeoutMs: number;
  logger: Logger;
  /** Awaited before the next template is fetched, so proposals leave in order. */
  onProposal: (proposal: TemplateProposal) => void | Promise<void>;
  now?: () => number;
}

const RETRY_DELAY_MS = 1_000;

/**
 * Template source over bitcoind's JSON-RPC (and bcoin's): getblocktemplate long-poll, a
 * getbestblockhash poll as fallback, the mempool for the fee tier and Class M, submitblock.
 */
export class BitcoindSource implements TemplateSource {
  readonly name = BITCOIND_SOURCE;
  readonly #o: BitcoindSourceOptions;
  readonly #abort = new AbortController();
  readonly #now: () => number;
  #templateId = 0n;
  #lastKey = "";
  #lastPrevHash = "";
  #lastOkMs = 0;
  #refreshing: Promise<void> | undefined;
  #loops: Promise<void>[] = [];

  constructor(options: BitcoindSourceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get sourceInstanceId(): string {
    return this.#o.sourceInstanceId;
  }

  /** Unix ms of the last successful RPC answer (0 = never). */
  get lastOkMs(): number {
    return this.#lastOkMs;
  }

  start(): void {
    this.#loops = [this.#longPollLoop(), this.#pollLoop()];
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled(this.#loops);
  }

  async #call<T>(method: string, params: unknown[] = [], timeoutMs?: number): Promise<T> {
    const result = await this.#o.rpc.call<T>(method, params, { signal: this.#abort.signal, ...(timeoutMs ? { timeoutMs } : {}) });
    this.#lastOkMs = this.#now();
    return result;
  }

  /** Fetches a template (optionally long-polling) and publishes it when it differs from the last one. */
  async fetchTemplate(longPollId?: string): Promise<string | undefined> {
    const request: Record<string, unknown> = { rules: ["segwit"] };
    if (longPollId) request.longpollid = longPollId;
    const raw = await this.#call<unknown>("getblocktemplate", [request], longPollId ? this.#o.longPollTimeoutMs : undefined);
    const createdAtMs = this.#now();
    const template = parseBlockTemplate(raw);
    const key = `${template.previousBlockHash}:${template.longPollId ?? ""}:${template.transactions.length}:${template.coinbaseValue}`;
    this.#lastPrevHash = template.previousBlockHash;
    if (key !== this.#lastKey) {
      this.#lastKey = key;
      this.#templateId += 1n;
      await this.#o.onProposal(
        proposalFromTemplate(template, {
          templateId: this.#templateId,
          source: this.name,
          sourceInstanceId: this.#o.sourceInstanceId,
          payoutScript: this.#o.payoutScript,
          createdAtMs,
        }),
      );
    }
    return template.longPollId;
  }

  /** One non-long-poll refresh at a time; concurrent callers share it. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.fetchTemplate()
      .then(() => undefined)
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  async #longPollLoop(): Promise<void> {
    let longPollId: string | undefined;
    while (!this.#abort.signal.aborted) {
      try {
        longPollId = await this.fetchTemplate(longPollId);
      } catch (err) {
        if (this.#abort.signal.aborted) return;
        // A long-poll that simply timed out is re-issued at once; other failures back off.
        const timedOut = err instanceof RpcError && err.kind === "transport" && /timed out/.test(err.message) && longPollId !== undefined;
        if (!timedOut) {
          this.#o.logger.warn({ err: (err as Error).message, source: this.name }, "getblocktemplate failed");
          longPollId = undefined;
          await this.#sleep(RETRY_DELAY_MS);
        }
      }
    }
  }

  async #pollLoop(): Promise<void> {
    while (!this.#abort.signal.aborted) {
      await this.#sleep(this.#o.pollIntervalMs);
      if (this.#abort.signal.aborted) return;
      try {
        const best = await this.#call<string>("getbestblockhash");
        if (best !== this.#lastPrevHash) await this.refresh();
      } catch (err) {
        if (!this.#abort.signal.aborted)
          this.#o.logger.warn({ err: (err as Error).message, source: this.name }, "getbestblockhash poll failed");
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#abort.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async pollMempool(): Promise<MempoolPoll> {
    const txids = await this.#call<unknown>("getrawmempool", [false]);
    if (!Array.isArray(txids) || !txids.every((id) => typeof id === "string"))
      throw new RpcError("rpc", "getrawmempool: expected an array of txids");
    // getmempoolinfo.size is the count in both bitcoind and bcoin (bcoin's `bytes` is memory, so it is not used).
    const info = await this.#call<{ size?: unknown }>("getmempoolinfo");
    const size = typeof info?.size === "number" ? info.size : txids.length;
    return { atMs: this.#now(), txCount: size, txids: new Set((txids as string[]).map((id) => id.toLowerCase())) };
  }

  async submitBlock(found: BlockFound): Promise<SubmitOutcome> {
    try {
      const answer = await this.#call<string | null>("submitblock", [toHex(found.block)]);
      if (answer === null || answer === undefined) return { accepted: true, rejectReason: "" };
      // bcoin says "rejected: <reason>", bitcoind the bare BIP22 reason.
      const reason = String(answer).replace(/^rejected: /, "");
      // "duplicate": the node had the block already — this is a second submission, after a verifier
      // died between submitting it and recording the answer (its BLOCKS message comes back). The
      // first submission's answer stands: accepted if the node holds the block as valid (bcoin
      // also says "duplicate" for orphans and known-invalid blocks, which it keeps no header of).
      if (reason === "duplicate" && (await this.#holds(found.block))) return { accepted: true, rejectReason: "" };
      return { accepted: false, rejectReason: reason };
    } catch (err) {
      if (err instanceof RpcError && err.kind === "rpc")
        return { accepted: false, rejectReason: err.message.replace(/^submitblock: /, "") };
      throw err;
    }
  }

  /** Whether the node has a header for the block (it validated and stored it); "not found" is an RPC error. */
  async #holds(block: Uint8Array): Promise<boolean> {
    try {
      await this.#call("getblockheader", [hashToDisplay(sha256d(block.subarray(0, 80))), true]);
      return true;
    } catch (err) {
      if (err instanceof RpcError && err.kind === "rpc") return false;
      throw err;
    }
  }
}
