import type { Logger } from "@gatehouse/service";
import Arweave from "arweave";
import { generateTransactionChunks } from "arweave/node/lib/merkle.js";
import type { JWKInterface } from "arweave/node/lib/wallet.js";
import {
  arweaveUri,
  confirmationStatus,
  excerpt,
  type GatewayEndpoint,
  gatewayEndpoint,
  TX_ID,
  transactionTags,
  uploadFailure,
} from "./arweave-protocol.js";
import { ArweaveInsufficientBalanceError, ArweaveUnavailableError, EvidenceError, EvidenceIntegrityError } from "./errors.js";
import type { EvidenceStatus, EvidenceStore, EvidenceTags } from "./store.js";

/** Largest evidence blob `get` downloads (the REST API's body limit is 50 MB of base64 at most). */
export const MAX_EVIDENCE_BYTES = 64 * 1024 * 1024;

type Transaction = Awaited<ReturnType<Arweave["createTransaction"]>>;

export type EvidenceOperation = "put" | "status" | "get";

export interface ArweaveStoreOptions {
  /** Gateway origin, e.g. `https://arweave.net` or arlocal's `http://127.0.0.1:1984`. */
  gatewayUrl: string;
  /** The paying wallet (never logged). */
  wallet: JWKInterface;
  /** Confirmations `status` needs before it reports `confirmed`. */
  minConfirmations: number;
  /** How often confirmation is worth asking about (the engine's poll for this store). */
  pollIntervalMs: number;
  /** Bound on every gateway request, body included. */
  requestTimeoutMs: number;
  logger?: Logger;
  /** Called once per operation with `ok` or the error code (for metrics). */
  onOperation?: (operation: EvidenceOperation, outcome: string) => void;
}

/**
 * Evidence archived on Arweave through a gateway, with arweave-js building and signing format-2
 * transactions: ChaosChain's tags, `ar://<txid>` URIs, confirmations from `/tx/<id>/status`, and
 * reads verified against the signed header (signature, data size and data root).
 */
export class ArweaveEvidenceStore implements EvidenceStore {
  readonly kind = "arweave";
  readonly pollIntervalMs: number;

  private constructor(
    private readonly options: ArweaveStoreOptions,
    private readonly endpoint: GatewayEndpoint,
    private readonly arweave: Arweave,
    /** The wallet's Arweave address. */
    readonly address: string,
  ) {
    this.pollIntervalMs = options.pollIntervalMs;
  }

  static async create(options: ArweaveStoreOptions): Promise<ArweaveEvidenceStore> {
    const endpoint = gatewayEndpoint(options.gatewayUrl);
    const arweave = Arweave.init({ host: endpoint.host, port: endpoint.port, protocol: endpoint.protocol });
    return new ArweaveEvidenceStore(options, endpoint, arweave, await arweave.wallets.jwkToAddress(options.wallet));
  }

  get gateway(): string {
    return this.endpoint.origin;
  }

  put(content: Uint8Array, tags: EvidenceTags): Promise<{ id: string; uri: string }> {
    return this.observe("put", async () => {
      const tagList = transactionTags(tags);
      const [anchor, reward, balance] = await Promise.all([
        this.text("tx_anchor"),
        this.text(`price/${content.byteLength}`),
        this.text(`wallet/${this.address}/balance`),
      ]);
      if (!/^\d+$/.test(reward) || !/^\d+$/.test(balance)) {
        throw new ArweaveUnavailableError(`price or balance is not a winston amount (${excerpt(reward)}, ${excerpt(balance)})`);
      }
      if (BigInt(balance) < BigInt(reward)) throw new ArweaveInsufficientBalanceError(this.address, reward, balance);

      const tx = await this.arweave.createTransaction({ data: content, last_tx: anchor, reward }, this.options.wallet);
      for (const [name, value] of tagList) tx.addTag(name, value);
      await this.arweave.transactions.sign(tx, this.options.wallet);
      await this.upload(tx, content, reward);
      this.options.logger?.info({ txId: tx.id, bytes: content.byteLength, rewardWinston: reward }, "evidence uploaded to Arweave");
      return { id: tx.id, uri: arweaveUri(tx.id) };
    });
  }

  status(id: string): Promise<EvidenceStatus> {
    return this.observe("status", async () => {
      if (!TX_ID.test(id)) return "not_found";
      const { status, body } = await this.call(`tx/${id}/status`);
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        // A text answer such as "Pending".
      }
      return confirmationStatus(status, parsed, this.options.minConfirmations);
    });
  }

  /** The archived bytes, verified against the signed transaction; undefined if the gateway does not know the id. */
  get(id: string): Promise<Uint8Array | undefined> {
    return this.observe("get", async () => {
      if (!TX_ID.test(id)) return undefined;
      const answer = await this.call(`tx/${id}`);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw new ArweaveUnavailableError(`transaction ${id}: HTTP ${answer.status} ${excerpt(answer.body)}`);
      const header = await this.verifiedHeader(id, answer.body);
      const size = Number(header.data_size);
      if (!Number.isSafeInteger(size) || size < 0 || size > MAX_EVIDENCE_BYTES) {
        throw new EvidenceIntegrityError(`transaction ${id} declares ${header.data_size} bytes (at most ${MAX_EVIDENCE_BYTES} are read)`);
      }
      if (size === 0) return new Uint8Array(0);

      const data = await this.download(id, size);
      if (!data) return undefined;
      if (data.byteLength !== size)
        throw new EvidenceIntegrityError(`data of ${id} is ${data.byteLength} bytes, the transaction signed ${size}`);
      const root = Arweave.utils.bufferTob64Url((await generateTransactionChunks(data)).data_root);
      if (root !== header.data_root) throw new EvidenceIntegrityError(`data of ${id} does not match the signed data root`);
      return data;
    });
  }

  /** The transaction header, checked: id = hash of the signature, signature by the owner over the header. */
  private async verifiedHeader(id: string, text: string): Promise<Transaction> {
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new ArweaveUnavailableError(`transaction ${id}: the header is not JSON`);
    }
    if (raw.id !== id || raw.format !== 2)
      throw new EvidenceIntegrityError(`transaction ${id}: the gateway served another or a format-1 header`);
    // The data is fetched separately; the signature covers data_size and data_root instead.
    const tx = this.arweave.transactions.fromRaw({ ...raw, data: "" });
    let valid: boolean;
    try {
      valid = await this.arweave.transactions.verify(tx);
    } catch {
      valid = false;
    }
    if (!valid) throw new EvidenceIntegrityError(`transaction ${id}: the signature does not verify`);
    return tx;
  }

  /** `POST /tx` with the data when it is one chunk, else the header and then every chunk. */
  private async upload(tx: Transaction, data: Uint8Array, reward: string): Promise<void> {
    const context = { address: this.address, rewardWinston: reward };
    const chunks = tx.chunks?.chunks.length ?? 0;
    const body = chunks <= 1 ? tx.toJSON() : { ...tx.toJSON(), data: "" };
    await this.post("tx", body, { ...context, what: `transaction ${tx.id}` });
    for (let index = 0; chunks > 1 && index < chunks; index++) {
      await this.post("chunk", tx.getChunk(index, data), { ...context, what: `chunk ${index + 1}/${chunks} of ${tx.id}` });
    }
  }

  private async post(path: string, body: unknown, context: Parameters<typeof uploadFailure>[2]): Promise<void> {
    const answer = await this.call(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const failure = uploadFailure(answer.status, answer.body, context);
    if (failure) throw failure;
  }

  /** A GET whose 200 answer is a short text (anchor, price, balance). */
  private async text(path: string): Promise<string> {
    const { status, body } = await this.call(path);
    if (status !== 200) throw new ArweaveUnavailableError(`GET /${path}: HTTP ${status} ${excerpt(body)}`);
    return body.trim();
  }

  /** One gateway request with its text answer; no answer in time or a network error is ArweaveUnavailableError. */
  private call(path: string, init: RequestInit = {}): Promise<{ status: number; body: string }> {
    return this.fetch(path, init, async (response) => ({ status: response.status, body: await response.text() }));
  }

  /** The raw data of `id`, at most `limit` bytes; undefined on 404. */
  private download(id: string, limit: number): Promise<Uint8Array | undefined> {
    return this.fetch(id, {}, async (response) => {
      if (response.status === 404) return undefined;
      if (response.status !== 200) throw new ArweaveUnavailableError(`data of ${id}: HTTP ${response.status}`);
      return readAtMost(response, limit);
    });
  }

  private async fetch<T>(path: string, init: RequestInit, read: (response: Response) => Promise<T>): Promise<T> {
    try {
      return await read(
        await fetch(`${this.endpoint.origin}/${path}`, { ...init, signal: AbortSignal.timeout(this.options.requestTimeoutMs) }),
      );
    } catch (err) {
      if (err instanceof EvidenceError) throw err;
      const reason =
        (err as Error).name === "TimeoutError" ? `no answer within ${this.options.requestTimeoutMs} ms` : (err as Error).message;
      throw new ArweaveUnavailableError(`${init.method ?? "GET"} ${this.endpoint.origin}/${path}: ${reason}`);
    }
  }

  private async observe<T>(operation: EvidenceOperation, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      this.options.onOperation?.(operation, "ok");
      return result;
    } catch (err) {
      this.options.onOperation?.(operation, err instanceof EvidenceError ? err.code : "error");
      throw err;
    }
  }
}

/** The response body, refusing more than `limit` bytes so a misbehaving gateway cannot exhaust memory. */
async function readAtMost(response: Response, limit: number): Promise<Uint8Array> {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new EvidenceIntegrityError(`the gateway sent more than the ${limit} signed bytes`);
    }
    parts.push(value);
  }
  return Buffer.concat(parts, total);
}
