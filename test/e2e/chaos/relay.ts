// The relay path's load: JSON-RPC clients (spread over the gateway replicas, as a load balancer
// would) calling the relay gateway continuously with both methods, each answer checked and sorted:
// a verified quorum result, a well-formed JSON-RPC error (HTTP 200 with the request's id, or 503
// with id null while the gateway drains), a connection error (the gateway process was gone), or a
// violation (no answer within the gateway's deadline, a malformed body, a wrong result).
import { createHash, randomBytes } from "node:crypto";
import type { Stack } from "@gatehouse/dev";
import {
  decryptWithEnclaveKey,
  devKey,
  type JsonObject,
  METHOD_CAPABILITY_EXECUTE,
  METHOD_SECRETS_GET,
  publicKeyHex,
  putSecret,
  signDevAttestation,
} from "@gatehouse/relay";
import { createLogger, createRedis } from "@gatehouse/service";
import { Activity } from "./activity.js";

export interface ConnectionError {
  /** The gateway process the request went to. */
  gateway: string;
  startedAt: number;
  endedAt: number;
  detail: string;
}

export interface RelayTally {
  sent: number;
  /** Quorum results, verified (the hash recomputed, the secret decrypted). */
  answered: number;
  /** Well-formed JSON-RPC errors by "<http status> <code> <message>" (digits as N). */
  errors: Record<string, number>;
  connectionErrors: ConnectionError[];
  violations: string[];
  maxLatencyMs: number;
}

export interface RelayLoadOptions {
  /** Clients calling at once, each one request after another. */
  clients: number;
  /** Pause between one client's requests. */
  pauseMs: number;
  /** The gateway's whole-request deadline (gateway_timeout_ms): no answer by then plus `graceMs` is a hang. */
  gatewayTimeoutMs: number;
  graceMs: number;
}

const MAX_VIOLATIONS_KEPT = 50;
const SECRET = "chaos-secret";

export class RelayLoad {
  readonly tally: RelayTally = { sent: 0, answered: 0, errors: {}, connectionErrors: [], violations: [], maxLatencyMs: 0 };
  readonly answers = new Activity("a relay quorum answer");
  inFlight = 0;
  /** Requests in flight by gateway process. */
  readonly inFlightAt = new Map<string, number>();
  /** Gateway process → its JSON-RPC URL. */
  readonly #urls: [string, string][];
  readonly #enclaveKey = devKey("dev-enclave");
  readonly #enclavePub = publicKeyHex(this.#enclaveKey).replace(/^0x/, "");
  readonly #owner = `0x${"c4".repeat(20)}`;
  readonly #clients: Promise<void>[] = [];
  #stopping = false;
  #violationCount = 0;

  private constructor(
    stack: Stack,
    private readonly options: RelayLoadOptions,
  ) {
    this.#urls = stack.instances("relay-gateway").map((name) => [name, stack.endpoints(name).jsonrpc as string]);
  }

  /** Stores the secret the secrets.get calls read, then starts the clients. */
  static async start(stack: Stack, options: RelayLoadOptions): Promise<RelayLoad> {
    const load = new RelayLoad(stack, options);
    const redis = createRedis(
      { url: stack.redisUrl, key_prefix: stack.namespace.redisPrefix },
      createLogger({ service: "chaos", instanceId: "chaos", level: "fatal" }),
      "chaos-relay",
    );
    await putSecret(redis, load.#owner, { namespace: "main", key: "db" }, Buffer.from(SECRET), load.#enclavePub);
    await redis.quit();
    for (let i = 0; i < options.clients; i++) load.#clients.push(load.#client(i));
    return load;
  }

  async #client(index: number): Promise<void> {
    for (let n = 0; !this.#stopping; n++) {
      const [gateway, url] = this.#urls[index % this.#urls.length] as [string, string];
      await this.#call(gateway, url, (index + n) % 2 === 0 ? METHOD_CAPABILITY_EXECUTE : METHOD_SECRETS_GET);
      if (!this.#stopping) await new Promise((resolve) => setTimeout(resolve, this.options.pauseMs));
    }
  }

  #params(method: string): { params: JsonObject; check: (result: unknown) => string | undefined } {
    const base = { workflow_id: "wf-chaos", owner: this.#owner, execution_id: randomBytes(32).toString("hex") };
    if (method === METHOD_CAPABILITY_EXECUTE) {
      const payload = randomBytes(16).toString("base64");
      const params: JsonObject = { ...base, reference_id: "chaos", capability_id: "hash", payload };
      const expected = createHash("sha256").update(Buffer.from(payload, "base64")).digest("base64");
      return {
        params: { ...params, attestation: signDevAttestation(this.#enclaveKey, METHOD_CAPABILITY_EXECUTE, params) },
        check: (result) =>
          (result as { payload?: unknown } | null)?.payload === expected ? undefined : `wrong hash result ${JSON.stringify(result)}`,
      };
    }
    const params: JsonObject = { ...base, secrets: [{ key: "db", namespace: "main" }], enclave_public_key: this.#enclavePub };
    return {
      params: { ...params, attestation: signDevAttestation(this.#enclaveKey, METHOD_SECRETS_GET, params) },
      check: (result) => {
        const ciphertext = (result as { secrets?: { ciphertext?: string }[] } | null)?.secrets?.[0]?.ciphertext;
        try {
          return ciphertext && Buffer.from(decryptWithEnclaveKey(this.#enclaveKey, ciphertext)).toString() === SECRET
            ? undefined
            : `wrong secrets result ${JSON.stringify(result)}`;
        } catch (err) {
          return `undecryptable secret: ${(err as Error).message}`;
        }
      },
    };
  }

  async #call(gateway: string, url: string, method: string): Promise<void> {
    const id = randomBytes(8).toString("hex");
    const { params, check } = this.#params(method);
    const startedAt = Date.now();
    const hungAfterMs = this.options.gatewayTimeoutMs + this.options.graceMs;
    this.tally.sent += 1;
    this.inFlight += 1;
    this.inFlightAt.set(gateway, (this.inFlightAt.get(gateway) ?? 0) + 1);
    try {
      let status: number;
      let text: string;
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
          signal: AbortSignal.timeout(hungAfterMs),
        });
        status = res.status;
        text = await res.text();
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        if (e.name === "TimeoutError") {
          this.#violation(`${method} ${id}: no answer within ${hungAfterMs} ms`);
          return;
        }
        const detail = e.cause?.code ?? e.cause?.message ?? e.message;
        this.tally.connectionErrors.push({ gateway, startedAt, endedAt: Date.now(), detail });
        return;
      }
      const wrong = this.#classify(method, id, status, text, check);
      if (wrong) this.#violation(wrong);
    } finally {
      this.inFlight -= 1;
      this.inFlightAt.set(gateway, (this.inFlightAt.get(gateway) ?? 1) - 1);
      this.tally.maxLatencyMs = Math.max(this.tally.maxLatencyMs, Date.now() - startedAt);
    }
  }

  /** Counts a well-formed answer; returns what is wrong with any other. */
  #classify(method: string, id: string, status: number, text: string, check: (result: unknown) => string | undefined): string | undefined {
    const what = `${method} ${id}: HTTP ${status}`;
    let body: { jsonrpc?: unknown; id?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown } };
    try {
      body = JSON.parse(text);
    } catch {
      return `${what} with a body that is not JSON: ${text.slice(0, 120)}`;
    }
    const draining = status === 503 && body?.id === null;
    if (typeof body !== "object" || body === null || body.jsonrpc !== "2.0" || (body.id !== id && !draining)) {
      return `${what} with a malformed JSON-RPC body: ${text.slice(0, 200)}`;
    }
    if (body.error === undefined && "result" in body) {
      if (status !== 200) return `${what} with a result`;
      const wrong = check(body.result);
      if (wrong) return `${what}: ${wrong}`;
      this.tally.answered += 1;
      this.answers.mark();
      return undefined;
    }
    const { code, message } = body.error ?? {};
    if (!Number.isInteger(code) || typeof message !== "string" || message === "") {
      return `${what} with a malformed error: ${text.slice(0, 200)}`;
    }
    if (status !== 200 && !draining) return `${what} for error ${code} "${message}": JSON-RPC errors come with HTTP 200`;
    const key = `${status} ${code} ${message.replace(/\d+/g, "N")}`;
    this.tally.errors[key] = (this.tally.errors[key] ?? 0) + 1;
    return undefined;
  }

  #violation(text: string): void {
    this.#violationCount += 1;
    if (this.tally.violations.length < MAX_VIOLATIONS_KEPT) this.tally.violations.push(text);
  }

  get violationCount(): number {
    return this.#violationCount;
  }

  /** Stops the clients after their requests in flight are answered. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#clients);
  }
}
