/** Why an RPC call failed: the node answered with an error, or it could not be reached / understood. */
export class RpcError extends Error {
  override readonly name = "RpcError";
  constructor(
    readonly kind: "rpc" | "transport" | "http",
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

export interface RpcClientOptions {
  url: string;
  user?: string;
  password?: string;
  timeoutMs: number;
}

interface RpcResponse {
  result?: unknown;
  error?: { code?: number; message?: string } | null;
}

/** A bitcoind-style JSON-RPC 1.0 client over HTTP (also bcoin's node RPC). Credentials never appear in errors. */
export class JsonRpcClient {
  readonly #url: string;
  readonly #auth: string | undefined;
  readonly #timeoutMs: number;
  #id = 0;

  constructor(options: RpcClientOptions) {
    const url = new URL(options.url);
    const user = options.user || decodeURIComponent(url.username);
    const password = options.password || decodeURIComponent(url.password);
    url.username = "";
    url.password = "";
    this.#url = url.toString();
    this.#auth = user || password ? `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` : undefined;
    this.#timeoutMs = options.timeoutMs;
  }

  /** The endpoint without credentials, for logs. */
  get endpoint(): string {
    return this.#url;
  }

  async call<T>(method: string, params: unknown[] = [], options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<T> {
    // One controller per call, unhooked from the caller's long-lived signal when the call ends:
    // AbortSignal.any would leave a listener on it per call until garbage collection.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs ?? this.#timeoutMs);
    const cancel = () => controller.abort();
    if (options.signal?.aborted) controller.abort();
    options.signal?.addEventListener("abort", cancel, { once: true });
    this.#id += 1;
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.#url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(this.#auth ? { authorization: this.#auth } : {}) },
        body: JSON.stringify({ jsonrpc: "1.0", id: this.#id, method, params }),
        signal: controller.signal,
      });
      text = await response.text().catch(() => "");
    } catch (err) {
      const reason = timedOut ? "timed out" : (((err as Error).cause as Error | undefined)?.message ?? (err as Error).message);
      throw new RpcError("transport", `${method}: ${reason}`);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", cancel);
    }
    let body: RpcResponse | undefined;
    try {
      body = JSON.parse(text) as RpcResponse;
    } catch {
      body = undefined;
    }
    // bitcoind answers RPC errors with HTTP 500 and a JSON body; bcoin with 200. Both carry `error`.
    if (body?.error) throw new RpcError("rpc", `${method}: ${body.error.message ?? "error"}`, body.error.code);
    if (!response.ok || body === undefined) throw new RpcError("http", `${method}: HTTP ${response.status}`);
    return body.result as T;
  }
}
