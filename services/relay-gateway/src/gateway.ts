import {
  type CallRequest,
  type DecodedCall,
  decodeBody,
  ErrorCode,
  errorResponse,
  isObject,
  JSONRPC_VERSION,
  JsonRpcCode,
  type JsonRpcId,
  serviceName,
  toJsonRpcCode,
  wireId,
} from "@gatehouse/relay";
import type { Logger } from "@gatehouse/service";
import type { Authenticator } from "./api/auth.js";
import { Callback } from "./handlers/common/callback.js";
import type { SenderRateLimiter } from "./handlers/common/sender-rate-limiter.js";
import { type Handler, HandlerRejectedError } from "./handlers/handler.js";

/** What the HTTP layer writes: a status and a JSON body, or no body (204: only notifications). */
export interface GatewayAnswer {
  status: number;
  body?: string;
}

export interface GatewayOptions {
  /** Handlers by JSON-RPC service name (the method prefix). */
  services: Map<string, Handler>;
  authenticate: Authenticator;
  senderLimiter: SenderRateLimiter;
  gatewayTimeoutMs: number;
  logger: Logger;
}

/** A JSON-RPC error answer, `data` null. */
export function errorText(id: JsonRpcId, code: number, message: string): string {
  return JSON.stringify(errorResponse(id, code, message));
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The user request path (the Chainlink gateway's ProcessRequest, made a JSON-RPC 2.0 server):
 * decode the body with bounded nesting, then for each request of it route by service, check the
 * params, authenticate, rate-limit the sender, hand to the handler and wait for its single answer,
 * bounded by the gateway timeout. Every JSON-RPC answer is HTTP 200: the outcome is the error
 * object, which carries the request's id.
 */
export class Gateway {
  #draining = false;

  constructor(private readonly options: GatewayOptions) {}

  get draining(): boolean {
    return this.#draining;
  }

  drain(): void {
    this.#draining = true;
  }

  async processRequest(body: Uint8Array, bearer: string | undefined): Promise<GatewayAnswer> {
    if (this.#draining) return { status: 503, body: errorText(null, JsonRpcCode.serverOverloaded, "gateway is draining") };
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      return { status: 200, body: errorText(null, JsonRpcCode.parse, "request body is not valid UTF-8") };
    }
    const decoded = decodeBody(text);
    if (decoded.kind === "refused") return { status: 200, body: errorText(null, decoded.code, decoded.message) };
    const calls = decoded.kind === "single" ? [decoded.call] : decoded.calls;
    const answers = (await Promise.all(calls.map((call) => this.#serve(call, bearer)))).filter((a) => a !== undefined);
    if (answers.length === 0) return { status: 204 };
    return { status: 200, body: decoded.kind === "single" ? answers[0] : `[${answers.join(",")}]` };
  }

  /** One call's answer, or undefined for a notification. Never throws. */
  async #serve(call: DecodedCall, bearer: string | undefined): Promise<string | undefined> {
    if (call.kind === "invalid") return errorText(call.id, call.code, call.message);
    // A notification asks for no answer; the relay's methods only make sense with one, so they do not run.
    if (call.kind === "notification") return undefined;
    try {
      return await this.#serveRequest(call.request, bearer);
    } catch (err) {
      this.options.logger.error({ err, id: call.request.id }, "json-rpc request failed");
      return errorText(call.request.id, JsonRpcCode.internal, "internal error");
    }
  }

  async #serveRequest(call: CallRequest, bearer: string | undefined): Promise<string> {
    const { id, method } = call;
    const service = serviceName(method);
    const handler = this.options.services.get(service);
    if (!handler) return errorText(id, JsonRpcCode.methodNotFound, `Service name not found: ${service}`);
    if (!handler.methods().includes(method)) return errorText(id, JsonRpcCode.methodNotFound, `no handler found for method ${method}`);
    if (!isObject(call.params)) {
      const problem = call.params === undefined ? "params are required" : "params must be a JSON object, not an array";
      return errorText(id, JsonRpcCode.invalidParams, `invalid params: ${problem}`);
    }
    const sender = this.options.authenticate(call.auth ?? bearer);
    if (!sender) return errorText(id, toJsonRpcCode(ErrorCode.HandlerError), "request not authorized");
    let allowed: boolean;
    try {
      allowed = await this.options.senderLimiter.allow(sender);
    } catch (err) {
      this.options.logger.error({ err: (err as Error).message }, "sender rate limiter unavailable");
      return errorText(id, toJsonRpcCode(ErrorCode.FatalError), "rate limiter unavailable");
    }
    if (!allowed) return errorText(id, toJsonRpcCode(ErrorCode.LimitExceededError), "rate limit exceeded for sender");

    const callback = new Callback();
    const request = {
      jsonrpc: JSONRPC_VERSION,
      id: wireId(id),
      clientId: id,
      method,
      params: call.params,
      ...(call.auth ? { auth: call.auth } : {}),
    };
    try {
      handler.handleUserMessage(request, sender, callback);
    } catch (err) {
      if (err instanceof HandlerRejectedError) return errorText(id, toJsonRpcCode(ErrorCode.HandlerError), err.message);
      throw err;
    }
    const payload = await callback.wait(this.options.gatewayTimeoutMs);
    if (!payload) return errorText(id, toJsonRpcCode(ErrorCode.RequestTimeoutError), "handler timeout: gateway deadline exceeded");
    return payload.rawResponse;
  }
}
