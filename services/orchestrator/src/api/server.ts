// RestApi: the REST routes the ChaosChain SDK clients call. About 350 lines because it is the one
// router of that API (submission, status, listing, operator retry, /v1 reads, OpenAPI); validation,
// auth, rate limits, response shaping and the contract live in their own modules.
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { BodyTooLargeError, type Clock, type Logger, readBody, sendJson, systemClock } from "@gatehouse/service";
import type { WorkflowStore } from "../engine/store.js";
import {
  initialStep,
  WORKFLOW_STATES,
  WORKFLOW_TYPES,
  type WorkflowInput,
  type WorkflowRecord,
  type WorkflowState,
  type WorkflowType,
} from "../engine/types.js";
import { type ApiKeyGrant, findGrant, scopeRefusal } from "./auth.js";
import { RateLimiter } from "./rate-limit.js";
import { toWorkflowResponse } from "./response.js";
import { v1Route } from "./v1-routes.js";
import { type Validated, validateCloseEpoch, validateScoreSubmission, validateWorkSubmission } from "./validation.js";

export interface ApiSettings {
  bodyLimitBytes: number;
  /** Empty: writes are open (development). */
  apiKeys: readonly ApiKeyGrant[];
  /** The signer addresses this orchestrator holds keys for, lower case: any other is refused at the door. */
  signers: ReadonlySet<string>;
  writesPerMinute: number;
  listsPerMinute: number;
  trustProxy: boolean;
  idempotencyTtlSeconds: number;
  listLimit: number;
}

export interface ApiDeps {
  store: WorkflowStore;
  settings: ApiSettings;
  logger: Logger;
  openapi: string;
  retry(id: string): Promise<"ok" | "not_found" | "not_stalled">;
  onCreated(wf: WorkflowRecord): void;
  onRequest?(route: string, status: number, seconds: number): void;
  /** Records this replica committed, answering status reads without a query while they still stand. */
  committed?: { get(id: string, now: number): WorkflowRecord | undefined };
  /** Rate-limit windows and workflow timestamps; the system clock unless a test moves time. */
  clock?: Clock;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const MAX_IDEMPOTENCY_KEY = 200;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.error));
  }
}

const SUBMISSIONS: Record<string, { type: WorkflowType; validate: (body: Record<string, unknown>) => Validated<WorkflowInput> }> = {
  "/workflows/work-submission": { type: "WorkSubmission", validate: validateWorkSubmission },
  "/workflows/score-submission": { type: "ScoreSubmission", validate: validateScoreSubmission },
  "/workflows/close-epoch": { type: "CloseEpoch", validate: validateCloseEpoch },
};

/** The natural key a second identical submission dedupes on (the contracts themselves do not dedupe). */
function naturalKey(type: WorkflowType, input: WorkflowInput): string {
  const i = input as unknown as Record<string, unknown>;
  const parts =
    type === "WorkSubmission"
      ? [i.studio_address, i.data_hash]
      : type === "ScoreSubmission"
        ? [i.studio_address, i.epoch, i.data_hash, i.validator_address]
        : [i.studio_address, i.epoch];
  return `${type}:${parts.map((p) => String(p).toLowerCase()).join(":")}`;
}

/** The request body as a JSON object: 413 past the limit, 400 when it is not JSON or not an object. */
async function readJsonObject(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  let raw: Buffer;
  try {
    raw = await readBody(req, limit);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new HttpError(413, { error: err.message });
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new HttpError(400, { error: "request body must be valid JSON" });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new HttpError(400, { error: "request body must be a JSON object" });
  return parsed as Record<string, unknown>;
}

/**
 * The REST API the ChaosChain SDK clients call: workflow submission, status and listing,
 * plus operator retry and the OpenAPI document.
 */
export class RestApi {
  readonly #server: Server;
  readonly #writes: RateLimiter;
  readonly #lists: RateLimiter;
  readonly #clock: Clock;
  #shuttingDown = false;

  constructor(private readonly deps: ApiDeps) {
    this.#clock = deps.clock ?? systemClock;
    this.#writes = new RateLimiter(deps.settings.writesPerMinute, 60_000, this.#clock);
    this.#lists = new RateLimiter(deps.settings.listsPerMinute, 60_000, this.#clock);
    this.#server = createServer((req, res) => void this.handle(req, res));
    this.#server.keepAliveTimeout = 5_000;
  }

  async listen(addr: { host: string; port: number }): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(addr.port, addr.host, () => resolve());
    });
    return this.#server.address() as AddressInfo;
  }

  /** From now on writes answer 503; reads keep working while in-flight work drains. */
  beginShutdown(): void {
    this.#shuttingDown = true;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    await closed;
  }

  private client(req: IncomingMessage): string {
    if (this.deps.settings.trustProxy) {
      const forwarded = req.headers["x-forwarded-for"];
      const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
      if (first) return first;
    }
    return req.socket.remoteAddress ?? "unknown";
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? "/", "http://localhost");
    let route = "other";
    let status = 500;
    try {
      const result = await this.route(req, url, (name) => (route = name));
      status = result.status;
      if (result.headers) for (const [k, v] of Object.entries(result.headers)) res.setHeader(k, v);
      sendJson(res, result.status, result.body);
    } catch (err) {
      if (err instanceof HttpError) {
        status = err.status;
        sendJson(res, err.status, err.body);
      } else {
        status = 500;
        this.deps.logger.error({ err, route }, "request failed");
        sendJson(res, 500, { error: "Internal server error" });
      }
    } finally {
      this.deps.onRequest?.(route, status, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private async route(
    req: IncomingMessage,
    url: URL,
    name: (route: string) => void,
  ): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const method = req.method ?? "GET";
    const path = url.pathname.replace(/\/+$/, "") || "/";
    if (method === "GET" && path === "/health") {
      name("health");
      return { status: 200, body: { status: "ok", timestamp: this.#clock.now() } };
    }
    if (method === "GET" && path === "/openapi.json") {
      name("openapi");
      return { status: 200, body: JSON.parse(this.deps.openapi) };
    }
    const submission = SUBMISSIONS[path];
    if (submission && method === "POST") {
      name(`submit_${submission.type}`);
      return this.submit(req, submission.type, submission.validate);
    }
    const retry = /^\/workflows\/([^/]+)\/retry$/.exec(path);
    if (retry && method === "POST") {
      name("retry");
      return this.retry(retry[1] as string, this.guardWrite(req));
    }
    const v1 = method === "GET" ? v1Route(path, url.searchParams) : undefined;
    if (v1) {
      name(v1.name);
      if (!this.#lists.allow(this.client(req))) throw new HttpError(429, { error: "RATE_LIMIT_EXCEEDED" });
      return v1.run({
        store: this.deps.store,
        keysConfigured: this.deps.settings.apiKeys.length > 0,
        grant: findGrant(this.deps.settings.apiKeys, this.presentedKey(req)),
      });
    }
    const byId = /^\/workflows\/([^/]+)$/.exec(path);
    if (byId && method === "GET") {
      // Status polling is never rate limited: SDKs poll every 2 s by default.
      name("get");
      const id = byId[1] as string;
      const wf = UUID.test(id) ? await this.status(id.toLowerCase()) : undefined;
      if (!wf) throw new HttpError(404, { error: "Workflow not found" });
      return { status: 200, body: toWorkflowResponse(wf) };
    }
    if (path === "/workflows" && method === "GET") {
      name("list");
      if (!this.#lists.allow(this.client(req))) throw new HttpError(429, { error: "RATE_LIMIT_EXCEEDED" });
      return this.list(url.searchParams);
    }
    if (submission || byId || retry || path === "/workflows") throw new HttpError(405, { error: `${method} is not allowed on ${path}` });
    throw new HttpError(404, { error: "Not found" });
  }

  private presentedKey(req: IncomingMessage): string | undefined {
    const presented = req.headers["x-api-key"];
    return Array.isArray(presented) ? presented[0] : presented;
  }

  /** Shutdown, API key and write rate checks; the key's grant (undefined when keys are not configured). */
  private guardWrite(req: IncomingMessage): ApiKeyGrant | undefined {
    if (this.#shuttingDown) throw new HttpError(503, { error: "Gateway is shutting down", code: "SHUTTING_DOWN" });
    let grant: ApiKeyGrant | undefined;
    if (this.deps.settings.apiKeys.length > 0) {
      grant = findGrant(this.deps.settings.apiKeys, this.presentedKey(req));
      if (!grant) throw new HttpError(401, { error: "UNAUTHORIZED", message: "Invalid or missing API key" });
    }
    if (!this.#writes.allow(this.client(req))) throw new HttpError(429, { error: "RATE_LIMIT_EXCEEDED" });
    return grant;
  }

  /** 403 when the key is limited to other signers or studios. */
  private authorize(grant: ApiKeyGrant | undefined, request: { signers: string[]; studio: string }): void {
    const refusal = grant && scopeRefusal(grant, request);
    if (refusal) throw new HttpError(403, { error: "FORBIDDEN", message: refusal });
  }

  private async submit(
    req: IncomingMessage,
    type: WorkflowType,
    validate: (body: Record<string, unknown>) => Validated<WorkflowInput>,
  ): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const grant = this.guardWrite(req);
    const header = req.headers["idempotency-key"];
    const idempotencyKey = Array.isArray(header) ? header[0] : header;
    if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY)) {
      throw new HttpError(400, { error: `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} characters` });
    }
    const body = await readJsonObject(req, this.deps.settings.bodyLimitBytes);
    const validated = validate(body);
    if (!validated.ok) throw new HttpError(400, { error: validated.error });
    const input = validated.value;
    const common = input as { studio_address: string; signer_address: string; admin_signer_address?: string };
    const signers = [common.signer_address, ...(common.admin_signer_address ? [common.admin_signer_address] : [])];
    // A signer the orchestrator holds no key for could only fail later: refuse it now.
    for (const [field, signer] of [
      ["signer_address", common.signer_address],
      ["admin_signer_address", common.admin_signer_address],
    ] as const) {
      if (signer && !this.deps.settings.signers.has(signer.toLowerCase()))
        throw new HttpError(400, { error: `${field} ${signer} is not a signer this orchestrator holds a key for` });
    }
    this.authorize(grant, { signers, studio: common.studio_address });
    const now = this.#clock.now();
    const record: WorkflowRecord = {
      id: randomUUID(),
      type,
      state: "CREATED",
      step: initialStep(type, input),
      attempts: 0,
      createdAt: now,
      updatedAt: now,
      input,
      progress: {},
      signer: common.signer_address.toLowerCase(),
      studio: common.studio_address,
      leaseToken: 0,
    };
    const outcome = await this.deps.store.create({
      record,
      ...(idempotencyKey ? { idempotencyKey } : {}),
      fingerprint: createHash("sha256")
        .update(`${type}\n${JSON.stringify(input)}`)
        .digest("hex"),
      naturalKey: naturalKey(type, input),
      idempotencyTtlSeconds: this.deps.settings.idempotencyTtlSeconds,
    });
    if (outcome.outcome === "conflict") {
      throw new HttpError(409, {
        error: "Idempotency-Key was already used with a different request",
        code: "IDEMPOTENCY_KEY_REUSED",
        workflow_id: outcome.id,
      });
    }
    if (outcome.outcome === "existing") {
      const existing = await this.deps.store.load(outcome.id);
      if (!existing) throw new HttpError(409, { error: "the matching workflow disappeared; submit again" });
      return { status: 200, body: toWorkflowResponse(existing), headers: { "idempotent-replayed": "true" } };
    }
    this.deps.onCreated(record);
    return { status: 201, body: toWorkflowResponse(record) };
  }

  private async status(id: string): Promise<WorkflowRecord | undefined> {
    return this.deps.committed?.get(id, this.#clock.now()) ?? (await this.deps.store.load(id));
  }

  private async retry(id: string, grant: ApiKeyGrant | undefined): Promise<{ status: number; body: unknown }> {
    if (!UUID.test(id)) throw new HttpError(404, { error: "Workflow not found" });
    if (grant) {
      const wf = await this.deps.store.load(id.toLowerCase());
      if (!wf) throw new HttpError(404, { error: "Workflow not found" });
      this.authorize(grant, { signers: [wf.signer], studio: wf.studio });
    }
    const outcome = await this.deps.retry(id.toLowerCase());
    if (outcome === "not_found") throw new HttpError(404, { error: "Workflow not found" });
    if (outcome === "not_stalled") throw new HttpError(409, { error: "Only STALLED workflows can be retried", code: "NOT_STALLED" });
    const wf = await this.deps.store.load(id.toLowerCase());
    return { status: 200, body: wf ? toWorkflowResponse(wf) : {} };
  }

  private async list(query: URLSearchParams): Promise<{ status: number; body: unknown }> {
    const studio = query.get("studio");
    const state = query.get("state");
    const type = query.get("type");
    let ids: string[];
    if (studio) {
      ids = await this.deps.store.idsForStudio(studio);
    } else if (state === "active" && !type) {
      const sets = await Promise.all((["CREATED", "RUNNING", "STALLED"] as const).map((s) => this.deps.store.idsInState(s)));
      ids = sets.flat();
    } else if (type && state) {
      if (!(WORKFLOW_TYPES as readonly string[]).includes(type))
        throw new HttpError(400, { error: `type must be one of ${WORKFLOW_TYPES.join(", ")}` });
      if (!(WORKFLOW_STATES as readonly string[]).includes(state))
        throw new HttpError(400, { error: `state must be one of ${WORKFLOW_STATES.join(", ")}` });
      ids = await this.deps.store.idsForTypeAndState(type as WorkflowType, state as WorkflowState);
    } else {
      throw new HttpError(400, { error: "Query parameter required: studio, state=active, or type+state" });
    }
    const records = (await this.deps.store.loadMany(ids)).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    const filtered = records
      .filter((wf) => !studio || !state || (state === "active" ? !["COMPLETED", "FAILED"].includes(wf.state) : wf.state === state))
      .filter((wf) => !studio || !type || wf.type === type)
      .slice(0, this.deps.settings.listLimit);
    return { status: 200, body: { workflows: filtered.map(toWorkflowResponse), count: filtered.length } };
  }
}
