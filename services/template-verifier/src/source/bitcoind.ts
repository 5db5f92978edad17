import { hashToDisplay, parseBlockTemplate, sha256d, toHex } from "@gatehouse/bitcoin";
import type { BlockFound } from "@gatehouse/proto/mining/v1";
import { type Logger, sleep } from "@gatehouse/service";
import type { MempoolPoll } from "../mempool-view.js";
import { type ChainPosition, NOT_SUBMITTED, outcomeOf, type SubmitOutcome } from "./outcome.js";
import { proposalFromTemplate, type SourcedTemplate } from "./proposal.js";
import { type JsonRpcClient, RpcError } from "./rpc-client.js";
import { ProposalPublishError, type TemplateSource } from "./source.js";

export const BITCOIND_SOURCE = "bitcoind-rpc";

export interface BitcoindSourceOptions {
  rpc: JsonRpcClient;
  sourceInstanceId: string;
  payoutScript: Uint8Array;
  /** getbestblockhash fallback when long-poll is not answered. */
  pollIntervalMs: number;
  /** How long one long-poll request may hang before it is re-issued (above Core's 60 s mempool check). */
  longPollTimeoutMs: number;
  /** submitblock's own timeout: a full block takes the node seconds to validate. */
  submitTimeoutMs?: number;
  logger: Logger;
  /**
   * Awaited before the next template is fetched, so proposals leave in order. A rejection means the
   * proposal was not published: the template is not recorded as seen and is fetched again.
   */
  onProposal: (template: SourcedTemplate) => void | Promise<void>;
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
      this.#templateId += 1n;
      const sourced = proposalFromTemplate(template, {
        templateId: this.#templateId,
        source: this.name,
        sourceInstanceId: this.#o.sourceInstanceId,
        payoutScript: this.#o.payoutScript,
        createdAtMs,
      });
      try {
        await this.#o.onProposal(sourced);
      } catch (err) {
        throw new ProposalPublishError(err as Error);
      }
      // Seen only once published: a template the bus refused is fetched and offered again.
      this.#lastKey = key;
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
          if (err instanceof ProposalPublishError)
            this.#o.logger.error({ err: err.cause.message, source: this.name }, "template proposal publish failed; retrying");
          else this.#o.logger.warn({ err: (err as Error).message, source: this.name }, "getblocktemplate failed");
          longPollId = undefined;
          await sleep(RETRY_DELAY_MS, this.#abort.signal);
        }
      }
    }
  }

  async #pollLoop(): Promise<void> {
    while (!this.#abort.signal.aborted) {
      await sleep(this.#o.pollIntervalMs, this.#abort.signal);
      if (this.#abort.signal.aborted) return;
      try {
        const best = await this.#call<string>("getbestblockhash");
        if (best !== this.#lastPrevHash) await this.refresh();
      } catch (err) {
        if (this.#abort.signal.aborted) continue;
        if (err instanceof ProposalPublishError)
          this.#o.logger.error({ err: err.cause.message, source: this.name }, "template proposal publish failed; retrying");
        else this.#o.logger.warn({ err: (err as Error).message, source: this.name }, "getbestblockhash poll failed");
      }
    }
  }

  async pollMempool(): Promise<MempoolPoll> {
    // Dated by the request, not the answer: compared with a template's creation time, a snapshot
    // dated on arrival would pass for newer than a template built while its answer was in flight.
    const atMs = this.#now();
    const txids = await this.#call<unknown>("getrawmempool", [false]);
    if (!Array.isArray(txids) || !txids.every((id) => typeof id === "string"))
      throw new RpcError("rpc", "getrawmempool: expected an array of txids");
    // getmempoolinfo.size is the count in both bitcoind and bcoin (bcoin's `bytes` is memory, so it is not used).
    const info = await this.#call<{ size?: unknown }>("getmempoolinfo");
    const size = typeof info?.size === "number" ? info.size : txids.length;
    return { atMs, txCount: size, txids: new Set((txids as string[]).map((id) => id.toLowerCase())) };
  }

  /**
   * submitblock, then the chain decides: `getblockheader` says whether the node stored the block,
   * `getblockhash` at its height whether it is in the active chain (works on Core and bcoin alike;
   * bcoin's `confirmations` is not -1 off the active chain as Core's is). A verifier killed between
   * submitting and recording the answer submits again and gets "duplicate": the chain still decides.
   * Also when the block cannot be assembled again (its transactions unreadable, say while the object
   * store's NATS node fails over): a block the node already holds is answered from the chain, not
   * submitted ("none"); only a block it does not hold fails with the assembly's error.
   */
  async submitBlock(found: BlockFound, assemble: () => Promise<Uint8Array>): Promise<SubmitOutcome> {
    let block: Uint8Array;
    try {
      block = await assemble();
    } catch (err) {
      const held =
        found.header.length === 80
          ? await this.chainPosition(hashToDisplay(sha256d(found.header))).catch(() => "absent" as const)
          : "absent";
      if (held === "absent") throw err;
      return outcomeOf(NOT_SUBMITTED, held);
    }
    let answer: string | null;
    try {
      const raw = await this.#call<string | null>("submitblock", [toHex(block)], this.#o.submitTimeoutMs);
      answer = raw === null || raw === undefined ? null : String(raw);
    } catch (err) {
      // An RPC error (malformed block, -22) is the node's refusal; transport failures throw for a retry.
      if (!(err instanceof RpcError && err.kind === "rpc")) throw err;
      answer = err.message.replace(/^submitblock: /, "");
    }
    return outcomeOf(answer, await this.chainPosition(hashToDisplay(sha256d(block.subarray(0, 80)))));
  }

  /** Where the node's chain has the block (display hex hash). */
  async chainPosition(blockHash: string): Promise<ChainPosition> {
    let height: number;
    try {
      height = (await this.#call<{ height: number }>("getblockheader", [blockHash, true])).height;
    } catch (err) {
      if (err instanceof RpcError && err.kind === "rpc") return "absent";
      throw err;
    }
    try {
      return (await this.#call<string>("getblockhash", [height])) === blockHash ? "active" : "stale";
    } catch (err) {
      // Between the two calls the tip can only have moved back (a reorg below the block): not active.
      if (err instanceof RpcError && err.kind === "rpc") return "stale";
      throw err;
    }
  }
}
