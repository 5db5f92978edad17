import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ErrorCode, JSONRPC_VERSION, toHttpStatus, toJsonRpcCode } from "@gatehouse/relay";
import { formatHostPort, type Logger, parseHostPort } from "@gatehouse/service";
import type { Gateway } from "../gateway.js";

export interface RpcServerOptions {
  addr: string;
  maxRequestBytes: number;
  gateway: Gateway;
  logger: Logger;
  onAnswer?: (status: number) => void;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
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
    if (!this.#address) throw new Error("rpc server is not listening");
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

  #send(res: ServerResponse, status: number, body: string, contentType = "application/json"): void {
    this.options.onAnswer?.(status);
    // While draining, end keep-alive connections after their answer so close() can finish.
    if (this.options.gateway.draining) res.setHeader("connection", "close");
    res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
    res.end(body);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/health") return this.#send(res, 200, "OK", "text/plain");
    if (path !== "/") return this.#send(res, 404, JSON.stringify({ error: "not found" }));
    if (req.method !== "POST") return this.#send(res, 405, JSON.stringify({ error: "use POST" }));
    let body: string;
    try {
      body = await readBody(req, this.options.maxRequestBytes);
    } catch (err) {
      const message =
        err instanceof BodyTooLarge ? `request body exceeds ${this.options.maxRequestBytes} bytes` : "could not read request body";
      const code = ErrorCode.UserMessageParseError;
      res.setHeader("connection", "close");
      return this.#send(
        res,
        toHttpStatus(code),
        JSON.stringify({ jsonrpc: JSONRPC_VERSION, id: "", method: "", error: { code: toJsonRpcCode(code), message } }),
      );
    }
    const authorization = req.headers.authorization;
    const bearer = authorization?.startsWith("Bearer ") ? authorization.slice("Bearer ".length) : undefined;
    try {
      const answer = await this.options.gateway.processRequest(body, bearer);
      this.#send(res, answer.status, answer.body);
    } catch (err) {
      this.options.logger.error({ err }, "json-rpc request failed");
      this.#send(
        res,
        500,
        JSON.stringify({ jsonrpc: JSONRPC_VERSION, id: "", method: "", error: { code: -32603, message: "internal error" } }),
      );
    }
  }
}
