import type { Subjects } from "@gatehouse/bus";
import type { RelayRequest } from "@gatehouse/proto/relay/v1";
import {
  type CapabilityResponseResult,
  canonicalJson,
  isRelayMethod,
  JSONRPC_VERSION,
  type JsonObject,
  JsonRpcCode,
  type JsonRpcResponse,
  METHOD_SECRETS_GET,
  type SecretsResponseResult,
} from "@gatehouse/relay";
import type { EndOfTurn, Logger, Redis } from "@gatehouse/service";
import type { AttestationVerifier } from "./attestation/verifier.js";
import type { CapabilityRegistry } from "./capabilities/registry.js";
import type { NodeIdentity } from "./keys.js";
import { capabilityExecute } from "./methods/capability-execute.js";
import { NodeMethodError } from "./methods/errors.js";
import { secretsGet } from "./methods/secrets-get.js";
import type { NodeMetrics } from "./metrics.js";
import { RequestRefusedError } from "./request-intake.js";
import { ResponseBatcher, type SignedResponseInit } from "./response-batcher.js";

export type { SignedResponseInit } from "./response-batcher.js";

/** A node's answer: the response, and its canonical JSON text (what is signed and sent). */
export interface ExecutedResponse {
  response: JsonRpcResponse;
  canonical: string;
}

export interface RelayNodeOptions {
  identity: NodeIdentity;
  verifier: AttestationVerifier;
  redis: Redis;
  capabilities: CapabilityRegistry;
  subjects: Subjects;
  maxInFlight: number;
  publish: (subject: string, response: SignedResponseInit) => void;
  /** Shared with the request intake, so a turn's acknowledgements and responses leave together. */
  turnEnd: EndOfTurn;
  logger: Logger;
  metrics: Pick<NodeMetrics, "requests" | "duration" | "responseBatchSize">;
  now?: () => number;
}

/**
 * A DON member's request path (as Chainlink `core/capabilities/confidentialrelay/handler.go`): acknowledge at once, execute, translate into a
 * canonical JSON-RPC response (so honest nodes produce identical bytes), sign (with the other
 * responses of the same turn, see ResponseBatcher), publish to the requesting gateway. Every
 * request gets exactly one response, an error one if need be.
 */
export class RelayNodeHandler {
  #inFlight = 0;
  readonly #abort = new AbortController();
  readonly #requests;
  readonly #duration;
  readonly #responses: ResponseBatcher;

  constructor(private readonly options: RelayNodeOptions) {
    this.#requests = options.metrics.requests;
    this.#duration = options.metrics.duration;
    const batchSize = options.metrics.responseBatchSize;
    this.#responses = new ResponseBatcher({
      identity: options.identity,
      publish: options.publish,
      now: options.now ?? Date.now,
      turnEnd: options.turnEnd,
      onBatch: (responses) => batchSize.observe(responses),
    });
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Validates and queues a request; throws RequestRefusedError (the gateway then counts a failed send) if it cannot be taken. */
  accept(request: RelayRequest): { nodeAddress: string } {
    const ack = { nodeAddress: this.options.identity.address };
    if (request.probe) return ack;
    if (request.replySubject !== this.options.subjects.relayGatewayResponse(request.gatewayId)) {
      throw new RequestRefusedError("reply_subject is not the gateway's response subject");
    }
    if (this.#inFlight >= this.options.maxInFlight) throw new RequestRefusedError(`node overloaded: ${this.#inFlight} requests in flight`);
    this.#inFlight += 1;
    this.#process(request)
      .catch((err: unknown) => {
        // Publishing or signing failed (bus closed during shutdown, ...): the gateway counts the node as silent.
        this.#requests.inc({ method: request.method, outcome: "unsent" });
        this.options.logger.error({ err, requestKey: request.requestKey }, "relay response not sent");
      })
      .finally(() => {
        this.#inFlight -= 1;
      });
    return ack;
  }

  /** Cancels executing capabilities (shutdown). */
  abort(): void {
    this.#abort.abort();
  }

  async #process(request: RelayRequest): Promise<void> {
    const started = performance.now();
    const now = this.options.now ?? Date.now;
    const { response, canonical } = await this.execute(request);
    if (BigInt(now()) > request.deadlineUnixMs) {
      this.#requests.inc({ method: request.method, outcome: "expired" });
      return;
    }
    await this.#responses.send({
      gatewayId: request.gatewayId,
      replySubject: request.replySubject,
      requestKey: request.requestKey,
      response: Buffer.from(canonical, "utf8"),
    });
    this.#requests.inc({ method: request.method, outcome: response.error ? "error" : "ok" });
    this.#duration.observe({ method: request.method }, (performance.now() - started) / 1000);
  }

  /**
   * The JSON-RPC response for a request, with its RFC 8785 text: what the node signs and sends,
   * byte-identical on every honest node. Errors become JSON-RPC errors, never exceptions.
   */
  async execute(request: RelayRequest): Promise<ExecutedResponse> {
    const base = { jsonrpc: JSONRPC_VERSION, id: request.jsonrpcId, method: request.method };
    let response: JsonRpcResponse;
    try {
      const result = await this.#dispatch(request);
      response = { ...base, result };
      return { response, canonical: canonicalJson(response) };
    } catch (err) {
      if (err instanceof NodeMethodError) response = { ...base, error: { code: err.code, message: err.message } };
      else {
        this.options.logger.error({ err, requestKey: request.requestKey }, "relay request failed");
        response = { ...base, error: { code: JsonRpcCode.internal, message: "internal error" } };
      }
      return { response, canonical: canonicalJson(response) };
    }
  }

  async #dispatch(request: RelayRequest): Promise<SecretsResponseResult | CapabilityResponseResult> {
    if (!isRelayMethod(request.method)) throw new NodeMethodError(JsonRpcCode.methodNotFound, `unsupported method: ${request.method}`);
    let params: JsonObject;
    try {
      params = JSON.parse(Buffer.from(request.params).toString("utf8")) as JsonObject;
    } catch {
      throw new NodeMethodError(JsonRpcCode.invalidParams, "missing params");
    }
    if (typeof params !== "object" || params === null || Array.isArray(params))
      throw new NodeMethodError(JsonRpcCode.invalidParams, "missing params");
    if (request.method === METHOD_SECRETS_GET) return secretsGet(params, this.options.verifier, this.options.redis);
    return capabilityExecute(params, this.options.verifier, this.options.capabilities, this.#abort.signal);
  }
}
