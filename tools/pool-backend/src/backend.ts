import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { BodyTooLargeError, readBody } from "@gatehouse/service";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { headerBytes, meetsDifficulty, shareIdOf } from "./pow.js";
import { checkSubmission, type Submission } from "./submission.js";

/** How the backend misbehaves, for fault tests. */
export type Fault =
  | { kind: "none" }
  /** Answer every request with this status (and Retry-After seconds, if given) before looking at it. */
  | { kind: "fail"; status: number; retryAfterS?: number }
  /** Wait this long before handling each request. */
  | { kind: "slow"; delayMs: number }
  /** Decide and remember each share at once, but answer only after this long (a slow or lost answer). */
  | { kind: "late"; delayMs: number }
  /** Answer {"accepted": false, "reason": reason} to valid shares. */
  | { kind: "reject"; reason: string }
  /** Answer 200 with a body that is not the contract's JSON (per-share and batch alike). */
  | { kind: "malformed" };

export interface PoolBackendOptions {
  /** Standard Webhooks secret (`whsec_<base64>`), shared with the forwarder. */
  secret: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Accepted shares (and webhook-ids) remembered; the oldest are forgotten beyond this. */
  maxStored?: number;
  /** Per-share POST body limit (64 KiB unless given). */
  maxBodyBytes?: number;
  /** Batch POST body limit (16 MiB unless given: the forwarder's largest batch). */
  maxBatchBodyBytes?: number;
}

export interface BackendStats {
  requests: number;
  /** Signed, verified batch POSTs (their shares count in accepted, duplicates, rejected, badRequest). */
  batches: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  badSignature: number;
  badRequest: number;
  faulted: number;
  inFlight: number;
  maxInFlight: number;
  /** Requests whose shares are decided and whose answers a `late` fault is holding back now. */
  heldAnswers: number;
}

interface Decision {
  accepted: boolean;
  reason?: string;
}

/** What the backend knows of one share, by its event_id (per-share mode's webhook-id). */
export interface DeliveryRecord {
  accepted: boolean;
  reason?: string;
  /** Signed, verified deliveries of this share, alone or in a batch: 1, plus any redeliveries. */
  deliveries: number;
}

const SHARES_PATH = "/shares";
/** Where batches go: `{"shares": [<per-share body>, ...]}`, answered `{"results": [...]}`. */
export const BATCH_PATH = "/shares/batch";
/** Shares in one batch at most (the forwarder's share_upstream_batch_max_shares maximum). */
const MAX_BATCH_SHARES = 1_000;

/**
 * The reference pool backend: POST /shares verifies the Standard Webhooks signature with the
 * `standardwebhooks` package (300 s timestamp tolerance), answers a repeated webhook-id with its
 * first answer, recomputes the share's hash from the header fields and checks the claimed
 * difficulty, and stores what it accepted. POST /shares/batch does the same for each share of a
 * batch (one signature over the whole body; each share's event_id is its idempotency key) and
 * answers each share.
 */
export class PoolBackend {
  readonly #webhook: Webhook;
  readonly #maxStored: number;
  readonly #maxBodyBytes: number;
  readonly #maxBatchBodyBytes: number;
  readonly #host: string;
  #port: number;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #fault: Fault = { kind: "none" };
  /** event_id → the answer given and how often it was delivered, oldest first. */
  readonly #decisions = new Map<string, { decision: Decision; deliveries: number }>();
  readonly #accepted = new Map<string, Submission>();
  readonly #stats: BackendStats = {
    requests: 0,
    batches: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    badSignature: 0,
    badRequest: 0,
    faulted: 0,
    inFlight: 0,
    maxInFlight: 0,
    heldAnswers: 0,
  };

  private constructor(options: PoolBackendOptions) {
    this.#webhook = new Webhook(options.secret);
    this.#maxStored = options.maxStored ?? 1_000_000;
    this.#maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
    this.#maxBatchBodyBytes = options.maxBatchBodyBytes ?? 16 * 1024 * 1024;
    this.#host = options.host ?? "127.0.0.1";
    this.#port = options.port ?? 0;
  }

  static async start(options: PoolBackendOptions): Promise<PoolBackend> {
    const backend = new PoolBackend(options);
    await backend.#listen();
    return backend;
  }

  /** The URL the forwarder posts to. */
  get url(): string {
    return `http://${this.#host}:${this.#port}${SHARES_PATH}`;
  }

  /** The URL batches go to (the forwarder's share_upstream_batch_path is its path). */
  get batchUrl(): string {
    return `http://${this.#host}:${this.#port}${BATCH_PATH}`;
  }

  get listening(): boolean {
    return this.#server !== undefined;
  }

  setFault(fault: Fault): void {
    this.#fault = fault;
  }

  stats(): BackendStats {
    return { ...this.#stats };
  }

  /** Resets the high-water mark of concurrent requests. */
  resetMaxInFlight(): void {
    this.#stats.maxInFlight = this.#stats.inFlight;
  }

  /** The answer given to a share (by event_id) and how many times it arrived, if it is still remembered. */
  delivery(eventId: string): DeliveryRecord | undefined {
    const entry = this.#decisions.get(eventId);
    return entry ? { ...entry.decision, deliveries: entry.deliveries } : undefined;
  }

  /** Accepted shares by event_id. */
  acceptedShares(): ReadonlyMap<string, Submission> {
    return this.#accepted;
  }

  /** Goes away: stops listening and drops every open connection (the port stays reserved for comeBack). */
  async goAway(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  /** Listens again on the same port after goAway. */
  async comeBack(): Promise<void> {
    if (!this.#server) await this.#listen();
  }

  async close(): Promise<void> {
    await this.goAway();
  }

  async #listen(): Promise<void> {
    const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => void this.#handle(req, res));
    server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, this.#host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const stats = this.#stats;
    stats.requests += 1;
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.once("close", () => {
      stats.inFlight -= 1;
    });
    try {
      const batch = req.url === BATCH_PATH;
      if (req.method !== "POST" || !(batch || req.url === SHARES_PATH)) {
        return reply(res, 404, { error: `POST ${SHARES_PATH} or ${BATCH_PATH} only` });
      }
      const fault = this.#fault;
      if (fault.kind === "slow") await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault.kind === "fail") {
        stats.faulted += 1;
        if (fault.retryAfterS !== undefined) res.setHeader("retry-after", String(fault.retryAfterS));
        return reply(res, fault.status, { error: "fault injected" });
      }
      let body: Buffer;
      try {
        body = await readBody(req, batch ? this.#maxBatchBodyBytes : this.#maxBodyBytes);
      } catch (err) {
        if (!(err instanceof BodyTooLargeError)) throw err;
        stats.badRequest += 1;
        return reply(res, 413, { error: err.message });
      }
      const headers = webhookHeaders(req);
      // verify() parses the body once its signature holds: undefined for an empty body.
      let json: unknown;
      try {
        json = this.#webhook.verify(body, headers);
      } catch (err) {
        if (err instanceof SyntaxError) {
          stats.badRequest += 1;
          return reply(res, 400, { error: "body is not JSON" });
        }
        if (!(err instanceof WebhookVerificationError)) throw err;
        stats.badSignature += 1;
        return reply(res, 401, { error: `signature: ${err.message}` });
      }
      if (fault.kind === "malformed") {
        stats.faulted += 1;
        res.writeHead(200, { "content-type": "text/plain" }).end("ok?");
        return;
      }
      const answer = batch ? this.#batch(json, fault) : this.#share(json, headers["webhook-id"], fault);
      if (fault.kind === "late") {
        stats.heldAnswers += 1;
        await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
        stats.heldAnswers -= 1;
      }
      return reply(res, answer.status, answer.body);
    } catch (err) {
      return reply(res, 500, { error: (err as Error).message });
    }
  }

  /** A per-share POST: webhook-id is the share's event_id and its idempotency key. */
  #share(json: unknown, webhookId: string, fault: Fault): { status: number; body: object } {
    const repeated = this.#repeat(webhookId);
    if (repeated) return { status: 200, body: repeated };
    const parsed = checkSubmission(json);
    if ("error" in parsed) {
      this.#stats.badRequest += 1;
      return { status: 400, body: { error: parsed.error } };
    }
    if (parsed.submission.event_id !== webhookId) {
      this.#stats.badRequest += 1;
      return { status: 400, body: { error: "webhook-id must be the share's event_id" } };
    }
    return { status: 200, body: this.#decide(parsed.submission, fault) };
  }

  /**
   * A batch POST: each share answered as its per-share POST would be, plus its event_id (the
   * idempotency key: a share delivered before, alone or in a batch, gets its first answer again),
   * and a `status` where that POST would not have been a 200.
   */
  #batch(json: unknown, fault: Fault): { status: number; body: object } {
    const shares = (json as { shares?: unknown } | null | undefined)?.shares;
    if (!Array.isArray(shares) || shares.length > MAX_BATCH_SHARES) {
      this.#stats.badRequest += 1;
      return { status: 400, body: { error: `body must be {"shares": [...]} with at most ${MAX_BATCH_SHARES} shares` } };
    }
    this.#stats.batches += 1;
    const results = shares.map((share: unknown) => {
      const eventId = (share as { event_id?: unknown } | null)?.event_id;
      const id = typeof eventId === "string" ? { event_id: eventId } : {};
      const repeated = typeof eventId === "string" ? this.#repeat(eventId) : undefined;
      if (repeated) return { ...id, ...repeated };
      const parsed = checkSubmission(share);
      if ("error" in parsed) {
        this.#stats.badRequest += 1;
        return { ...id, status: 400, error: parsed.error };
      }
      return { ...id, ...this.#decide(parsed.submission, fault) };
    });
    return { status: 200, body: { results } };
  }

  /** The first answer to a share delivered before, marked duplicate; undefined for a new one. */
  #repeat(eventId: string): (Decision & { duplicate: true }) | undefined {
    const previous = this.#decisions.get(eventId);
    if (!previous) return undefined;
    this.#stats.duplicates += 1;
    previous.deliveries += 1;
    return { ...previous.decision, duplicate: true };
  }

  /** Judges a new share (or rejects it under the reject fault) and remembers the answer. */
  #decide(submission: Submission, fault: Fault): Decision {
    const decision = fault.kind === "reject" ? { accepted: false, reason: fault.reason } : judge(submission);
    this.#remember(submission.event_id, decision, submission);
    if (decision.accepted) this.#stats.accepted += 1;
    else this.#stats.rejected += 1;
    return decision;
  }

  #remember(id: string, decision: Decision, submission: Submission): void {
    this.#decisions.set(id, { decision, deliveries: 1 });
    if (decision.accepted) this.#accepted.set(submission.event_id, submission);
    while (this.#decisions.size > this.#maxStored) {
      const oldest = this.#decisions.keys().next().value as string;
      this.#decisions.delete(oldest);
      this.#accepted.delete(oldest);
    }
  }
}

/** Whether the share's recomputed hash matches its share_id and meets its claimed difficulty. */
export function judge(submission: Submission): Decision {
  let header: Buffer;
  try {
    header = headerBytes(submission);
  } catch (err) {
    return { accepted: false, reason: `bad_header: ${(err as Error).message}` };
  }
  if (shareIdOf(header) !== submission.share_id) return { accepted: false, reason: "share_id_mismatch" };
  if (!meetsDifficulty(header, submission.difficulty)) return { accepted: false, reason: "difficulty_below_target" };
  return { accepted: true };
}

function webhookHeaders(req: IncomingMessage): { "webhook-id": string; "webhook-timestamp": string; "webhook-signature": string } {
  const get = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(" ") : (value ?? "");
  };
  return { "webhook-id": get("webhook-id"), "webhook-timestamp": get("webhook-timestamp"), "webhook-signature": get("webhook-signature") };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
}
