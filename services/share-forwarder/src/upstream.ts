import type { IncomingHttpHeaders } from "node:http";
import { type Dispatcher, Pool } from "undici";
import type { RawAttempt } from "./classify.js";
import { parseRetryAfter } from "./retry.js";
import type { WebhookHeaders } from "./signing.js";

const MAX_RESPONSE_BYTES = 16 * 1024;

export interface UpstreamOptions {
  /** Where per-share POSTs go; its origin is the pool's. */
  url: string;
  /** Response bytes read at most (the rest is discarded); 16 KiB unless given. */
  maxResponseBytes?: number;
  /** Connections kept open (keep-alive); one request per connection at a time. */
  connections: number;
  timeoutMs: number;
}

/** POSTs to the pool backend over a keep-alive connection pool. Never throws: failures are attempts too. */
export class UpstreamClient {
  readonly #pool: Pool;
  readonly #path: string;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;

  constructor(options: UpstreamOptions) {
    const url = new URL(options.url);
    this.#path = `${url.pathname}${url.search}`;
    this.#timeoutMs = options.timeoutMs;
    this.#maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: { timeout: options.timeoutMs },
    });
  }

  /** POSTs to `path` on the upstream's origin (the configured URL's path unless given). */
  post(body: Uint8Array, signature: WebhookHeaders, path: string = this.#path): Promise<RawAttempt> {
    return new Promise((resolve) => {
      const attempt = new PostAttempt(this.#maxResponseBytes, this.#timeoutMs, resolve);
      try {
        this.#pool.dispatch({ path, method: "POST", headers: { "content-type": "application/json", ...signature }, body }, attempt);
      } catch (err) {
        attempt.onResponseError(undefined, err as Error);
      }
    });
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  return [e.code ?? e.cause?.code, e.message].filter(Boolean).join(": ") || "request failed";
}

/**
 * One POST as an undici dispatch handler: the answer's status, Retry-After and at most `limit` body
 * bytes (the rest discarded), gathered straight from the connection's callbacks. `pool.request`
 * would build, per POST, a response object with a Readable body to iterate and an AbortSignal for
 * the timeout; here the timeout is one timer that aborts the request through its controller.
 */
class PostAttempt implements Dispatcher.DispatchHandler {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #status = 0;
  #retryAfter: string | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #timedOut = false;
  #settled = false;
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly limit: number,
    timeoutMs: number,
    private readonly resolve: (attempt: RawAttempt) => void,
  ) {
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      // Not started yet (no connection): aborted as soon as it starts.
      this.#controller?.abort(new Error("share upstream request timeout"));
    }, timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#timedOut) controller.abort(new Error("share upstream request timeout"));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.#status = statusCode;
    const retryAfter = headers["retry-after"];
    this.#retryAfter = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#size < this.limit) this.#chunks.push(chunk.subarray(0, this.limit - this.#size));
    this.#size += chunk.length;
  }

  onResponseEnd(): void {
    const body = (this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks)).toString("utf8");
    const retryAfterMs = parseRetryAfter(this.#retryAfter, Date.now());
    this.#settle({ kind: "response", status: this.#status, body, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    const timeout = this.#timedOut || /timeout/i.test(err.name ?? "");
    this.#settle({ kind: "error", timeout, message: describe(err) });
  }

  #settle(attempt: RawAttempt): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.resolve(attempt);
  }
}
