import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { InvariantError } from "../errors.js";
import type { Metrics } from "../metrics.js";
import { formatHostPort, parseHostPort } from "../net.js";
import type { Readiness } from "../readiness.js";
import { apiKeyMatches, presentedKey } from "./api-key.js";
import { sendError, sendJson, sendText } from "./respond.js";

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface OpsServerOptions {
  addr: string;
  apiKey: string;
  tlsCertFile: string;
  tlsKeyFile: string;
  probesPublic: boolean;
  logger: Logger;
  metrics: Metrics;
  readiness: Readiness;
}

interface Route {
  handler: RouteHandler;
  public: boolean;
}

/**
 * The ops HTTP server every service runs: `/healthz`, `/readyz`, `/metrics`, and whatever
 * operational routes the service adds (`/gateway/events`, `/verdicts`, ...). With an API key
 * configured, every request must carry it in `X-API-Key` (or as `Authorization: Bearer <key>`).
 */
export class OpsServer {
  readonly #routes = new Map<string, Route>();
  readonly #server: Server;
  #address: AddressInfo | undefined;

  constructor(private readonly options: OpsServerOptions) {
    const tls = options.tlsCertFile && options.tlsKeyFile;
    const listener = (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res);
    this.#server = tls
      ? createHttpsServer({ cert: readFileSync(options.tlsCertFile), key: readFileSync(options.tlsKeyFile) }, listener)
      : createHttpServer(listener);
    this.#server.headersTimeout = 10_000;
    this.#server.requestTimeout = 30_000;

    this.route("GET", "/healthz", (_req, res) => sendJson(res, 200, { status: "ok" }), { public: options.probesPublic });
    this.route("GET", "/readyz", (req, res) => this.#readyz(req, res), { public: options.probesPublic });
    this.route("GET", "/metrics", async (_req, res) => {
      const { contentType, body } = await options.metrics.render();
      sendText(res, 200, body, contentType);
    });
  }

  get tls(): boolean {
    return Boolean(this.options.tlsCertFile && this.options.tlsKeyFile);
  }

  /** Adds a route; `public` routes answer without the API key. */
  route(method: string, path: string, handler: RouteHandler, options: { public?: boolean } = {}): void {
    const key = `${method.toUpperCase()} ${path}`;
    if (this.#routes.has(key)) throw new InvariantError(`route ${key} registered twice`);
    this.#routes.set(key, { handler, public: options.public ?? false });
  }

  async #readyz(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const report = await this.options.readiness.evaluate();
    const detailed = !this.options.apiKey || this.#authorized(req);
    const body = detailed
      ? { status: report.ready ? "ready" : "not_ready", checks: report.checks }
      : { status: report.ready ? "ready" : "not_ready" };
    sendJson(res, report.ready ? 200 : 503, body);
  }

  #authorized(req: IncomingMessage): boolean {
    return apiKeyMatches(presentedKey(req.headers["x-api-key"], req.headers.authorization), this.options.apiKey);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://ops.local");
    const route = this.#routes.get(`${req.method ?? "GET"} ${url.pathname}`);
    if (!route) {
      const known = [...this.#routes.keys()].some((k) => k.endsWith(` ${url.pathname}`));
      sendError(res, known ? 405 : 404, known ? "method_not_allowed" : "not_found", `${req.method} ${url.pathname}`);
      return;
    }
    if (this.options.apiKey && !route.public && !this.#authorized(req)) {
      sendError(res, 401, "unauthorized", "missing or wrong X-API-Key (or Authorization: Bearer)");
      return;
    }
    try {
      await route.handler(req, res, url);
    } catch (err) {
      this.options.logger.error({ err, path: url.pathname }, "ops route failed");
      if (!res.headersSent) sendError(res, 500, "internal_error", "internal error");
      else res.destroy();
    }
  }

  async listen(): Promise<AddressInfo> {
    const { host, port } = parseHostPort(this.options.addr);
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    this.#address = this.#server.address() as AddressInfo;
    return this.#address;
  }

  /** `http(s)://host:port` of the bound server. */
  get url(): string {
    if (!this.#address) throw new InvariantError("ops server is not listening");
    return `${this.tls ? "https" : "http"}://${formatHostPort({ host: this.#address.address, port: this.#address.port })}`;
  }

  /** Stops accepting, ends keep-alive and streaming (SSE) connections, waits for requests to end. */
  async close(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const force = setTimeout(() => this.#server.closeAllConnections(), 1_000);
    await closed;
    clearTimeout(force);
  }
}
