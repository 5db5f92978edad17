import {
  decodeRequest,
  ErrorCode,
  JSONRPC_VERSION,
  type JsonRpcRequest,
  RequestDecodeError,
  requestIdTooLong,
  serviceName,
  toHttpStatus,
  toJsonRpcCode,
} from "@gatehouse/relay";
import type { Logger } from "@gatehouse/service";
import type { Authenticator } from "./api/auth.js";
import { Callback } from "./handlers/common/callback.js";
import type { SenderRateLimiter } from "./handlers/common/sender-rate-limiter.js";
import { type Handler, HandlerRejection } from "./handlers/handler.js";

export interface GatewayAnswer {
  status: number;
  body: string;
}

export interface GatewayOptions {
  /** Handlers by JSON-RPC service name (the method prefix). */
  services: Map<string, Handler>;
  authenticate: Authenticator;
  senderLimiter: SenderRateLimiter;
  gatewayTimeoutMs: number;
  logger: Logger;
}

/** A gateway-level error: like the reference's newError, it carries no `data`. */
function gatewayError(id: string, code: ErrorCode, message: string): GatewayAnswer {
  return {
    status: toHttpStatus(code),
    body: JSON.stringify({ jsonrpc: JSONRPC_VERSION, id, method: "", error: { code: toJsonRpcCode(code), message } }),
  };
}

/**
 * The user request path (as the Chainlink gateway's `gateway.go` ProcessRequest): decode, bound the id, route by service,
 * authenticate, rate-limit the sender, hand to the handler, and wait for its single answer. The
 * wait is bounded by the gateway timeout, answered in JSON rather than plain text.
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

  async processRequest(body: string, bearer: string | undefined): Promise<GatewayAnswer> {
    if (this.#draining) {
      return {
        status: 503,
        body: JSON.stringify({ jsonrpc: JSONRPC_VERSION, id: "", method: "", error: { code: -32000, message: "gateway is draining" } }),
      };
    }
    let request: JsonRpcRequest;
    try {
      request = decodeRequest(body);
    } catch (err) {
      if (err instanceof RequestDecodeError) return gatewayError("", ErrorCode.UserMessageParseError, err.message);
      throw err;
    }
    const tooLong = requestIdTooLong(request.id);
    if (tooLong) return gatewayError("", ErrorCode.UserMessageParseError, tooLong);
    const service = serviceName(request.method);
    const handler = this.options.services.get(service);
    if (!handler) return gatewayError(request.id, ErrorCode.HandlerError, `Service name not found: ${service}`);
    if (!handler.methods().includes(request.method)) {
      return gatewayError(request.id, ErrorCode.HandlerError, `no handler found for method ${request.method}`);
    }
    const sender = this.options.authenticate(request.auth ?? bearer);
    if (!sender) return gatewayError(request.id, ErrorCode.HandlerError, "request not authorized");
    let allowed: boolean;
    try {
      allowed = await this.options.senderLimiter.allow(sender);
    } catch (err) {
      this.options.logger.error({ err: (err as Error).message }, "sender rate limiter unavailable");
      return gatewayError(request.id, ErrorCode.FatalError, "rate limiter unavailable");
    }
    if (!allowed) return gatewayError(request.id, ErrorCode.LimitExceededError, "rate limit exceeded for sender");

    const callback = new Callback();
    try {
      handler.handleUserMessage(request, sender, callback);
    } catch (err) {
      if (err instanceof HandlerRejection) return gatewayError(request.id, ErrorCode.HandlerError, err.message);
      throw err;
    }
    const payload = await callback.wait(this.options.gatewayTimeoutMs);
    if (!payload) return gatewayError(request.id, ErrorCode.RequestTimeoutError, "handler timeout: gateway deadline exceeded");
    return { status: toHttpStatus(payload.errorCode), body: payload.rawResponse };
  }
}
