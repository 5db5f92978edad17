import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { JsonRpcCode } from "@gatehouse/relay";
import { BodyTooLargeError, formatHostPort, InvariantError, type Logger, parseHostPort, readBody } from "@gatehouse/service";
import { errorText, type Gateway } from "../gateway.js";

export interface RpcServerOptions {
  addr: string;
  maxRequestBytes: number;
  gateway: Gateway;
  logger: Logger;
  onAnswer?: (status: number) => void;
}

/** The user-facing JSON-RPC endpoint: `POST /` and `GET /health`. */
export class RpcServer {
  readonly #server: Server;
  #address: AddressInfo | undefined;

  constructor(private readonly options: RpcServerOptions) {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.headersTimeout = 10_000;
    this.#server.requestTimeout = 15_000;
  }

  get url(): string {
    if (!this.#address) throw new InvariantError("rpc server is not listening");
    return `http://${formatHostPort({ host: this.#address.address, port: this.#address.port })}`;
  }

  async listen(): Promise<string> {
    const { host, port } = parseHostPort(this.options.addr);
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, host, () => resolve());
    });
    this.#address = this.#server.address() as AddressInfo;
    return this.url;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    });
  }

  #send(res: ServerResponse, status: number, body: string | undefined, headers: Record<string, string> = {}): void {
    this.options.onAnswer?.(status);
    // While draining, end keep-alive connections after their answer so close() can finish.
    if (this.options.gateway.draining) res.setHeader("connection", "close");
    if (body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  /**
   * HTTP-level refusals (nothing was decoded, so the id is null) still carry a JSON-RPC error body:
   * 404 for other paths, 405 for other HTTP methods, 413 for a body over the limit.
   */
  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/health") {
      if (req.method === "GET") return this.#send(res, 200, "OK", { "content-type": "text/plain" });
      return this.#send(
        res,
        405,
        errorText(null, JsonRpcCode.invalidRequest, `HTTP method ${req.method} not allowed on /health: use GET`),
        {
          allow: "GET",
        },
      );
    }
    if (path !== "/")
      return this.#send(res, 404, errorText(null, JsonRpcCode.invalidRequest, `no JSON-RPC endpoint at ${path}: POST to /`));
    if (req.method !== "POST") {
      return this.#send(
        res,
        405,
        errorText(null, JsonRpcCode.invalidRequest, `HTTP method ${req.method} not allowed: POST JSON-RPC to /`),
        {
          allow: "POST",
        },
      );
    }
    let body: Buffer;
    try {
      body = await readBody(req, this.options.maxRequestBytes);
    } catch (err) {
      res.setHeader("connection", "close");
      // readBody drains the rest of the upload, so the client reads the answer instead of a reset.
      if (err instanceof BodyTooLargeError) return this.#send(res, 413, errorText(null, JsonRpcCode.invalidRequest, err.message));
      return this.#send(res, 400, errorText(null, JsonRpcCode.parse, "could not read request body"));
    }
    const authorization = req.headers.authorization;
    const bearer = authorization?.startsWith("Bearer ") ? authorization.slice("Bearer ".length) : undefined;
    try {
      const answer = await this.options.gateway.processRequest(body, bearer);
      this.#send(res, answer.status, answer.body);
    } catch (err) {
      // Gateway.processRequest answers every request itself; this is the last line of defence.
      this.options.logger.error({ err }, "json-rpc request failed");
      this.#send(res, 500, errorText(null, JsonRpcCode.internal, "internal error"));
    }
  }
}
