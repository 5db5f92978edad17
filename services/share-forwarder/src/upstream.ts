import { Pool } from "undici";
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
  async post(body: Uint8Array, signature: WebhookHeaders, path: string = this.#path): Promise<RawAttempt> {
    // A timer cleared on completion rather than AbortSignal.timeout: that one's timer outlives the
    // request and, on firing, builds a DOMException for a signal nobody listens to any more (one
    // per POST, 2 s later; in the forwarder's profile with the signal's own bookkeeping).
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    const signal = controller.signal;
    try {
      const response = await this.#pool.request({
        path,
        method: "POST",
        headers: { "content-type": "application/json", ...signature },
        body,
        signal,
      });
      const text = await readLimited(response.body, this.#maxResponseBytes);
      const retryAfter = response.headers["retry-after"];
      const retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, Date.now());
      return { kind: "response", status: response.statusCode, body: text, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    } catch (err) {
      const timeout = signal.aborted || /timeout/i.test((err as Error).name ?? "");
      return { kind: "error", timeout, message: describe(err) };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  return [e.code ?? e.cause?.code, e.message].filter(Boolean).join(": ") || "request failed";
}

/** Reads at most `limit` bytes of a response body and discards the rest. */
async function readLimited(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < limit) chunks.push(chunk.subarray(0, limit - size));
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString("utf8");
}
