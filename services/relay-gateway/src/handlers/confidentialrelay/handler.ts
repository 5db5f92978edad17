import { randomBytes } from "node:crypto";
import type { RelayResponse, SignedRelayResponse } from "@gatehouse/proto/relay/v1";
import {
  ErrorCode,
  errorCodeName,
  fromJsonRpcCode,
  JsonRpcParseError,
  type JsonRpcRequest,
  MAX_RESPONSE_BATCH,
  parseResponse,
  RELAY_METHODS,
  requestIdTooLong,
  responseDigest,
} from "@gatehouse/relay";
import { type Clock, type Logger, TokenBucket } from "@gatehouse/service";
import type { DonConfig, DonMember } from "../../config/config.js";
import type { RelayMetrics } from "../../metrics.js";
import type { Callback, UserCallbackPayload } from "../common/callback.js";
import { type Don, type Handler, HandlerRejectedError, UnknownNodeError } from "../handler.js";
import { ActiveRequest, type Decoded } from "./active-request.js";
import { aggregate } from "./aggregator.js";
import { answerFor, errorPayload } from "./answer.js";
import { SignedBatch } from "./signed-batch.js";

export interface RateLimit {
  rps: number;
  burst: number;
}

export interface ConfidentialRelayOptions {
  gatewayId: string;
  /** Subject nodes publish their SignedRelayResponse to. */
  responseSubject: string;
  don: DonConfig;
  /** Identical valid responses needed (from the quorum type). */
  quorum: number;
  requestTimeoutMs: number;
  nodeSendTimeoutMs: number;
  sweepIntervalMs: number;
  maxActiveRequests: number;
  maxActiveRequestsPerSender: number;
  nodeRateLimit: RateLimit;
  globalNodeRateLimit: RateLimit;
  transport: Don;
  clock: Clock;
  logger: Logger;
  metrics: RelayMetrics;
}

type Outcome = "success" | "node_error" | "unobtainable" | "fanout_failed" | "timeout" | "shutdown" | "encoding_error";

/**
 * The confidential relay handler (Chainlink `handlers/confidentialrelay/handler.go`): registers
 * each request, fans it out to every member in parallel, counts signed responses by digest, and answers exactly once.
 */
export class ConfidentialRelayHandler implements Handler {
  /** Active requests by request key (what travels to the nodes). */
  readonly #active = new Map<string, ActiveRequest>();
  /** Request key by sender and JSON-RPC id: ids are unique per authenticated sender only. */
  readonly #bySenderId = new Map<string, string>();
  readonly #perSender = new Map<string, number>();
  readonly #members = new Map<string, DonMember>();
  readonly #nodeLimiters = new Map<string, TokenBucket>();
  readonly #globalLimiter: TokenBucket;
  readonly #keyPrefix = randomBytes(6).toString("hex");
  #sequence = 0;
  readonly #nodeCounts = new Map<string, { received: number; dropped: number }>();
  #sweeper: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(private readonly options: ConfidentialRelayOptions) {
    for (const member of options.don.members) {
      this.#members.set(member.address, member);
      this.#nodeCounts.set(member.address, { received: 0, dropped: 0 });
      this.#nodeLimiters.set(member.address, new TokenBucket(options.nodeRateLimit.rps, options.nodeRateLimit.burst, options.clock));
    }
    this.#globalLimiter = new TokenBucket(options.globalNodeRateLimit.rps, options.globalNodeRateLimit.burst, options.clock);
  }

  methods(): readonly string[] {
    return RELAY_METHODS;
  }

  get activeCount(): number {
    return this.#active.size;
  }

  /** Active requests, oldest first. */
  activeRequests(): ActiveRequest[] {
    return [...this.#active.values()];
  }

  /** Responses counted and dropped so far from one member. */
  nodeCounts(address: string): { received: number; dropped: number } {
    return { ...(this.#nodeCounts.get(address) ?? { received: 0, dropped: 0 }) };
  }

  #dropped(node: string, reason: string): void {
    this.options.metrics.dropped.inc({ reason });
    const counts = this.#nodeCounts.get(node);
    if (counts) counts.dropped += 1;
  }

  start(): void {
    this.#sweeper = setInterval(() => this.removeExpiredRequests(), this.options.sweepIntervalMs);
    this.#sweeper.unref();
  }

  close(reason: string): void {
    this.#closed = true;
    if (this.#sweeper) clearInterval(this.#sweeper);
    for (const ar of [...this.#active.values()]) this.#fail(ar, ErrorCode.FatalError, reason, "shutdown");
  }

  handleUserMessage(request: JsonRpcRequest, sender: string, callback: Callback): void {
    if (request.id === "") throw new HandlerRejectedError("request ID cannot be empty");
    const tooLong = requestIdTooLong(request.id);
    if (tooLong) throw new HandlerRejectedError(tooLong);
    if (this.#closed) throw new HandlerRejectedError("gateway is shutting down");
    const senderId = `${sender}\u0000${request.id}`;
    if (this.#bySenderId.has(senderId)) throw new HandlerRejectedError(`request ID already exists: ${request.id}`);
    const limited = this.#admissionError(sender);
    if (limited) {
      callback.send(errorPayload(request.clientId, ErrorCode.LimitExceededError, limited));
      this.options.metrics.requests.inc({ method: request.method, outcome: "limited" });
      return;
    }

    // Encoded before any state exists: a failure here leaves nothing registered.
    const params = Buffer.from(JSON.stringify(request.params));
    this.#sequence += 1;
    const key = `${this.#keyPrefix}-${this.#sequence}`;
    const ar = new ActiveRequest(key, request, sender, this.options.clock.now(), callback);
    this.#active.set(key, ar);
    this.#bySenderId.set(senderId, key);
    this.#perSender.set(sender, (this.#perSender.get(sender) ?? 0) + 1);
    // From here on every failure answers through #fail, which releases the request.
    try {
      this.#fanOut(ar, params);
    } catch (err) {
      this.options.logger.error({ requestKey: key, err: (err as Error).message }, "relay fan-out failed");
      this.#fail(ar, ErrorCode.FatalError, "failed to forward user request to nodes", "fanout_failed");
    }
  }

  #admissionError(sender: string): string | undefined {
    if (this.#active.size >= this.options.maxActiveRequests) return `too many active requests (limit ${this.options.maxActiveRequests})`;
    if ((this.#perSender.get(sender) ?? 0) >= this.options.maxActiveRequestsPerSender) {
      return `too many active requests for this sender (limit ${this.options.maxActiveRequestsPerSender})`;
    }
    return undefined;
  }

  #fanOut(ar: ActiveRequest, params: Buffer): void {
    const now = this.options.clock.now();
    const relayRequest = {
      requestKey: ar.key,
      jsonrpcId: ar.request.id,
      sender: ar.sender,
      method: ar.request.method,
      params,
      gatewayId: this.options.gatewayId,
      replySubject: this.options.responseSubject,
      createdAtUnixMs: BigInt(now),
      deadlineUnixMs: BigInt(now + this.options.requestTimeoutMs),
    };
    const timeout = Math.min(this.options.nodeSendTimeoutMs, this.options.requestTimeoutMs);
    const members = this.options.don.members;
    this.options.transport.fanOut(members, relayRequest, timeout).forEach((sent, i) => {
      const member = members[i] as DonMember;
      sent.catch((err: unknown) => {
        this.options.metrics.sendFailures.inc({ node: member.name });
        this.options.logger.warn({ requestKey: ar.key, node: member.name, err: (err as Error).message }, "relay send to node failed");
        if (ar.completed) return;
        ar.sendFailures.add(member.address);
        if (members.length - ar.sendFailures.size < this.options.quorum) {
          this.#fail(ar, ErrorCode.FatalError, "failed to forward user request to nodes", "fanout_failed");
          return;
        }
        this.#evaluate(ar);
      });
    });
  }

  handleNodeMessage(signed: SignedRelayResponse): void {
    const node = signed.nodeAddress.toLowerCase();
    const member = this.#members.get(node);
    if (!member) {
      this.options.metrics.dropped.inc({ reason: "non_member" });
      throw new UnknownNodeError(signed.nodeAddress);
    }
    const count = signed.responses.length;
    if (count === 0 || count > MAX_RESPONSE_BATCH) {
      this.options.logger.warn({ node: member.name, count }, `node batch must hold 1 to ${MAX_RESPONSE_BATCH} responses`);
      this.#dropped(node, "malformed");
      return;
    }
    const batch = new SignedBatch(this.options.gatewayId, node, signed);
    for (const entry of signed.responses) this.#takeResponse(member, batch, signed.gatewayId, entry);
  }

  #takeResponse(member: DonMember, batch: SignedBatch, gatewayId: string, entry: RelayResponse): void {
    const node = member.address;
    // Limits run before the lookup, so stale responses spend tokens too (as the reference does).
    if (!this.#nodeLimiters.get(node)?.take() || !this.#globalLimiter.take()) {
      this.#dropped(node, "rate_limited");
      return;
    }
    const ar = this.#active.get(entry.requestKey);
    if (!ar || ar.completed || gatewayId !== this.options.gatewayId) {
      this.#dropped(node, "unknown_request");
      return;
    }
    if (ar.responses.has(node)) {
      this.#dropped(node, "duplicate"); // The first response stands.
      return;
    }
    let decoded: Decoded | undefined;
    try {
      decoded = ar.decode(entry.response, (bytes) => {
        const response = parseResponse(bytes);
        if (response.id !== ar.request.id || response.method !== ar.request.method)
          throw new JsonRpcParseError("response id or method does not match the request");
        return { response, digest: responseDigest(response) };
      });
    } catch (err) {
      this.options.logger.warn({ requestKey: ar.key, node: member.name, err: (err as Error).message }, "undecodable node response");
      this.#dropped(node, "malformed");
    }
    ar.addResponse(node, { node, digest: decoded?.digest, signature: "unverified", response: decoded?.response, batch });
    this.options.metrics.nodeResponses.inc({ node: member.name });
    const counts = this.#nodeCounts.get(node);
    if (counts) counts.received += 1;
    this.#evaluate(ar);
  }

  #verify(ar: ActiveRequest, node: string): boolean {
    const entry = ar.responses.get(node);
    if (!entry?.response) return false;
    if (entry.batch.signed) return true;
    this.#dropped(node, "bad_signature");
    this.options.logger.warn({ requestKey: ar.key, node }, "node response signature does not match its member");
    return false;
  }

  #evaluate(ar: ActiveRequest): void {
    if (ar.completed) return;
    const verdict = aggregate([...ar.responses.values()], this.options.quorum, ar.outstanding(this.options.don.members.length), (node) =>
      this.#verify(ar, node),
    );
    if (verdict.kind === "insufficient") return;
    if (verdict.kind === "unobtainable") {
      this.#fail(ar, ErrorCode.FatalError, verdict.message, "unobtainable");
      return;
    }
    const agreed = ar.responses.get(verdict.node)?.response;
    let raw: string;
    try {
      raw = JSON.stringify(answerFor(ar.request.clientId, agreed));
    } catch {
      this.#fail(ar, ErrorCode.NodeResponseEncodingError, "", "encoding_error");
      return;
    }
    // The agreed error code is kept for logs; the HTTP status is 200 for every JSON-RPC answer.
    const errorCode = agreed?.error ? fromJsonRpcCode(agreed.error.code) : ErrorCode.NoError;
    const method = ar.request.method;
    if (this.#complete(ar, { rawResponse: raw, errorCode }, agreed?.error ? "node_error" : "success")) {
      this.options.metrics.quorumLatency.observe({ method }, (this.options.clock.now() - ar.createdAt) / 1000);
    }
  }

  /** Answers every request older than the timeout (strictly) with RequestTimeoutError. */
  removeExpiredRequests(): void {
    const now = this.options.clock.now();
    for (const ar of [...this.#active.values()]) {
      if (now - ar.createdAt > this.options.requestTimeoutMs) {
        this.#fail(
          ar,
          ErrorCode.RequestTimeoutError,
          `request expired: got ${ar.responses.size}/${this.options.quorum} responses`,
          "timeout",
        );
      }
    }
  }

  #fail(ar: ActiveRequest, code: ErrorCode, message: string, outcome: Outcome): void {
    this.#complete(ar, errorPayload(ar.request.clientId, code, message), outcome);
  }

  /**
   * The single completion path: claims the request, removes every trace of it whether or not the
   * answer can be delivered, then answers. Metrics count only delivered answers.
   */
  #complete(ar: ActiveRequest, payload: UserCallbackPayload, outcome: Outcome): boolean {
    if (ar.completed) return false;
    ar.completed = true;
    this.#active.delete(ar.key);
    this.#bySenderId.delete(`${ar.sender}\u0000${ar.request.id}`);
    const remaining = (this.#perSender.get(ar.sender) ?? 1) - 1;
    if (remaining > 0) this.#perSender.set(ar.sender, remaining);
    else this.#perSender.delete(ar.sender);
    try {
      ar.callback.send(payload);
    } catch (err) {
      this.options.logger.error({ requestKey: ar.key, err: (err as Error).message }, "relay answer could not be delivered");
      return false;
    }
    this.options.metrics.requests.inc({ method: ar.request.method, outcome });
    this.options.logger.debug(
      { requestKey: ar.key, id: ar.request.id, outcome, errorCode: errorCodeName(payload.errorCode) },
      "relay request completed",
    );
    return true;
  }
}
