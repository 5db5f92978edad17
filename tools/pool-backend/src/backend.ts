import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { headerBytes, meetsDifficulty, shareIdOf } from "./pow.js";
import { type Submission, submissionSchema } from "./submission.js";

/** How the backend misbehaves, for fault tests. */
export type Fault =
  | { kind: "none" }
  /** Answer every request with this status (and Retry-After seconds, if given) before looking at it. */
  | { kind: "fail"; status: number; retryAfterS?: number }
  /** Wait this long before handling each request. */
  | { kind: "slow"; delayMs: number }
  /** Decide and remember each share at once, but answer only after this long (a slow or lost answer). */
  | { kind: "late"; delayMs: number }
  /** Answer 200 {"accepted": false, "reason": reason} to valid shares. */
  | { kind: "reject"; reason: string }
  /** Answer 200 with a body that is not the contract's JSON. */
  | { kind: "malformed" };

export interface PoolBackendOptions {
  /** Standard Webhooks secret (`whsec_<base64>`), shared with the forwarder. */
  secret: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Accepted shares (and webhook-ids) remembered; the oldest are forgotten beyond this. */
  maxStored?: number;
  maxBodyBytes?: number;
}

export interface BackendStats {
  requests: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  badSignature: number;
  badRequest: number;
  faulted: number;
  inFlight: number;
  maxInFlight: number;
}

interface Decision {
  accepted: boolean;
  reason?: string;
}

/** What the backend knows of one webhook-id (a share's event_id). */
export interface DeliveryRecord {
  accepted: boolean;
  reason?: string;
  /** Signed, verified POSTs that carried this webhook-id: 1, plus any redeliveries. */
  deliveries: number;
}

const SHARES_PATH = "/shares";

/**
 * The reference pool backend: POST /shares verifies the Standard Webhooks signature with the
 * `standardwebhooks` package (300 s timestamp tolerance), answers a repeated webhook-id with its
 * first answer, recomputes the share's hash from the header fields and checks the claimed
 * difficulty, and stores what it accepted.
 */
export class PoolBackend {
  readonly #webhook: Webhook;
  readonly #maxStored: number;
  readonly #maxBodyBytes: number;
  readonly #host: string;
  #port: number;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #fault: Fault = { kind: "none" };
  /** webhook-id → the answer given and how often it was delivered, oldest first. */
  readonly #decisions = new Map<string, { decision: Decision; deliveries: number }>();
  readonly #accepted = new Map<string, Submission>();
  readonly #stats: BackendStats = {
    requests: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    badSignature: 0,
    badRequest: 0,
    faulted: 0,
    inFlight: 0,
    maxInFlight: 0,
  };

  private constructor(options: PoolBackendOptions) {
    this.#webhook = new Webhook(options.secret);
    this.#maxStored = options.maxStored ?? 1_000_000;
    this.#maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
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

  /** The answer given to a webhook-id and how many times it arrived, if it is still remembered. */
  delivery(webhookId: string): DeliveryRecord | undefined {
    const entry = this.#decisions.get(webhookId);
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
      if (req.method !== "POST" || req.url !== SHARES_PATH) return reply(res, 404, { error: "POST /shares only" });
      const fault = this.#fault;
      if (fault.kind === "slow") await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault.kind === "fail") {
        stats.faulted += 1;
        if (fault.retryAfterS !== undefined) res.setHeader("retry-after", String(fault.retryAfterS));
        return reply(res, fault.status, { error: "fault injected" });
      }
      const body = await readBody(req, this.#maxBodyBytes);
      if (body === undefined) {
        stats.badRequest += 1;
        return reply(res, 413, { error: `body larger than ${this.#maxBodyBytes} bytes` });
      }
      const headers = webhookHeaders(req);
      try {
        this.#webhook.verify(body, headers);
      } catch (err) {
        if (!(err instanceof WebhookVerificationError)) throw err;
        stats.badSignature += 1;
        return reply(res, 401, { error: `signature: ${err.message}` });
      }
      if (fault.kind === "malformed") {
        stats.faulted += 1;
        res.writeHead(200, { "content-type": "text/plain" }).end("ok?");
        return;
      }
      const late = () => (fault.kind === "late" ? new Promise((resolve) => setTimeout(resolve, fault.delayMs)) : undefined);
      const previous = this.#decisions.get(headers["webhook-id"]);
      if (previous) {
        stats.duplicates += 1;
        previous.deliveries += 1;
        await late();
        return reply(res, 200, { ...previous.decision, duplicate: true });
      }
      const parsed = parseSubmission(body);
      if ("error" in parsed) {
        stats.badRequest += 1;
        return reply(res, 400, { error: parsed.error });
      }
      if (parsed.submission.event_id !== headers["webhook-id"]) {
        stats.badRequest += 1;
        return reply(res, 400, { error: "webhook-id must be the share's event_id" });
      }
      const decision = fault.kind === "reject" ? { accepted: false, reason: fault.reason } : judge(parsed.submission);
      this.#remember(headers["webhook-id"], decision, parsed.submission);
      if (decision.accepted) stats.accepted += 1;
      else stats.rejected += 1;
      await late();
      return reply(res, 200, decision);
    } catch (err) {
      return reply(res, 500, { error: (err as Error).message });
    }
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

function parseSubmission(body: Buffer): { submission: Submission } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    return { error: "body is not JSON" };
  }
  const result = submissionSchema.safeParse(json);
  if (!result.success) return { error: result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  return { submission: result.data };
}

function webhookHeaders(req: IncomingMessage): { "webhook-id": string; "webhook-timestamp": string; "webhook-signature": string } {
  const get = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(" ") : (value ?? "");
  };
  return { "webhook-id": get("webhook-id"), "webhook-timestamp": get("webhook-timestamp"), "webhook-signature": get("webhook-signature") };
}

/** The body, or undefined when it exceeds `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
}
