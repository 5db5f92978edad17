// Bitcoin Core's JSON-RPC as the suite uses it: single calls and batches (one HTTP request for
// many calls, which is how thousands of transactions are signed and sent in seconds).

import { CoreTransportError } from "./errors.js";

/** The node answered a call with an error object. */
export class CoreRpcError extends Error {
  override readonly name = "CoreRpcError";
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
  ) {
    super(`${method}: ${message} (code ${code})`);
  }
}

interface RpcAnswer {
  result: unknown;
  error: { code: number; message: string } | null;
  id: number;
}

export interface RpcCall {
  method: string;
  params: unknown[];
}

/** RPC error code for an unknown block or transaction (`RPC_INVALID_ADDRESS_OR_KEY`). */
export const RPC_NOT_FOUND = -5;

export class CoreRpc {
  readonly #auth: string;

  constructor(
    readonly url: string,
    user: string,
    password: string,
  ) {
    this.#auth = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  }

  async call<T>(method: string, params: unknown[] = [], timeoutMs = 30_000): Promise<T> {
    const [answer] = await this.#post([{ method, params }], timeoutMs, false);
    return unwrap<T>(method, answer);
  }

  /** Every call's answer in order; a call's error is thrown only when its result is read. */
  async batch(calls: readonly RpcCall[], timeoutMs = 120_000): Promise<Array<() => unknown>> {
    if (calls.length === 0) return [];
    const answers = await this.#post(calls, timeoutMs, true);
    return calls.map((call, i) => () => unwrap(call.method, answers[i]));
  }

  /** Like `batch`, throwing the first error. */
  async batchResults<T>(calls: readonly RpcCall[], timeoutMs?: number): Promise<T[]> {
    return (await this.batch(calls, timeoutMs)).map((read) => read() as T);
  }

  async answers(): Promise<boolean> {
    try {
      await this.call("getblockcount", [], 1_000);
      return true;
    } catch {
      return false;
    }
  }

  async #post(calls: readonly RpcCall[], timeoutMs: number, asBatch: boolean): Promise<RpcAnswer[]> {
    const bodies = calls.map((c, id) => ({ jsonrpc: "1.0", id, method: c.method, params: c.params }));
    const res = await fetch(this.url, {
      method: "POST",
      headers: { authorization: this.#auth, "content-type": "application/json" },
      body: JSON.stringify(asBatch ? bodies : bodies[0]),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    // Core answers RPC errors with HTTP 500 and a JSON body; anything else without JSON is transport trouble.
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CoreTransportError(`${calls[0]?.method ?? "batch"}: HTTP ${res.status} ${text.slice(0, 200)}`);
    }
    const answers = (Array.isArray(parsed) ? parsed : [parsed]) as RpcAnswer[];
    return [...answers].sort((a, b) => a.id - b.id);
  }
}

function unwrap<T>(method: string, answer: RpcAnswer | undefined): T {
  if (!answer) throw new CoreTransportError(`${method}: no answer`);
  if (answer.error) throw new CoreRpcError(method, answer.error.code, answer.error.message);
  return answer.result as T;
}
