import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "@jest/globals";
import { UpstreamClient } from "./upstream.js";

const SIGNATURE = { "webhook-id": "ev1", "webhook-timestamp": "1700000000", "webhook-signature": "v1,abc" };

let server: Server | undefined;
let client: UpstreamClient | undefined;

async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => handler(req, Buffer.concat(chunks).toString("utf8"), res));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/shares`;
}

afterEach(async () => {
  await client?.close();
  client = undefined;
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

describe("UpstreamClient", () => {
  it("POSTs the exact body with the signature headers and returns the status and body", async () => {
    let seen: { method?: string; url?: string; headers?: IncomingMessage["headers"]; body?: string } = {};
    const url = await serve((req, body, res) => {
      seen = { method: req.method, url: req.url, headers: req.headers, body };
      res.writeHead(200, { "content-type": "application/json" }).end('{"accepted":true}');
    });
    client = new UpstreamClient({ url, connections: 2, timeoutMs: 2_000 });
    const attempt = await client.post(Buffer.from('{"share_id":"s1"}'), SIGNATURE);
    expect(attempt).toEqual({ kind: "response", status: 200, body: '{"accepted":true}' });
    expect(seen.method).toBe("POST");
    expect(seen.url).toBe("/shares");
    expect(seen.body).toBe('{"share_id":"s1"}');
    expect(seen.headers?.["content-type"]).toBe("application/json");
    expect(seen.headers?.["webhook-id"]).toBe("ev1");
    expect(seen.headers?.["webhook-signature"]).toBe("v1,abc");
  });

  it("reads Retry-After and at most maxResponseBytes of the answer", async () => {
    const url = await serve((_req, _body, res) => {
      res.writeHead(503, { "retry-after": "7" }).end("x".repeat(5_000));
    });
    client = new UpstreamClient({ url, connections: 1, timeoutMs: 2_000, maxResponseBytes: 100 });
    const attempt = await client.post(Buffer.from("{}"), SIGNATURE);
    expect(attempt).toEqual({ kind: "response", status: 503, body: "x".repeat(100), retryAfterMs: 7_000 });
  });

  it("posts to another path on the same origin when given one", async () => {
    let path: string | undefined;
    const url = await serve((req, _body, res) => {
      path = req.url;
      res.writeHead(200).end("{}");
    });
    client = new UpstreamClient({ url, connections: 1, timeoutMs: 2_000 });
    await client.post(Buffer.from("{}"), SIGNATURE, "/shares/batch");
    expect(path).toBe("/shares/batch");
  });

  it("ends an attempt the upstream does not answer in time as a timeout, and the connection serves the next", async () => {
    let answered = 0;
    const url = await serve((_req, body, res) => {
      if (body === "slow") return; // never answered
      answered += 1;
      res.writeHead(200).end('{"accepted":true}');
    });
    client = new UpstreamClient({ url, connections: 1, timeoutMs: 200 });
    const attempt = await client.post(Buffer.from("slow"), SIGNATURE);
    expect(attempt).toMatchObject({ kind: "error", timeout: true });
    expect(await client.post(Buffer.from("{}"), SIGNATURE)).toMatchObject({ kind: "response", status: 200 });
    expect(answered).toBe(1);
  });

  it("reports a refused connection as an error, not a timeout", async () => {
    const url = await serve(() => {});
    server?.close();
    await once(server as Server, "close");
    client = new UpstreamClient({ url, connections: 1, timeoutMs: 2_000 });
    const attempt = await client.post(Buffer.from("{}"), SIGNATURE);
    expect(attempt).toMatchObject({ kind: "error", timeout: false });
    expect((attempt as { message: string }).message).toMatch(/ECONNREFUSED/);
  });
});
