import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { BodyTooLargeError, readBody } from "./body.js";

async function serve(limit: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    readBody(req, limit).then(
      (body) => res.writeHead(200).end(`read ${body.length}`),
      (err: unknown) => res.writeHead(err instanceof BodyTooLargeError ? 413 : 500).end(String((err as Error).message)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

function post(url: string, chunks: Buffer[], headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString() }));
    });
    req.on("error", reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe("readBody", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => ({ server, url } = await serve(1_000)));
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("returns the whole body at or under the limit", async () => {
    expect(await post(url, [Buffer.alloc(600), Buffer.alloc(400)])).toEqual({ status: 200, text: "read 1000" });
  });

  it("refuses a declared Content-Length over the limit", async () => {
    const answer = await post(url, [Buffer.alloc(1_001)], { "content-length": "1001" });
    expect(answer).toEqual({ status: 413, text: "request body exceeds 1000 bytes" });
  });

  it("refuses a chunked body once the bytes received pass the limit, and still answers", async () => {
    const answer = await post(url, [Buffer.alloc(700), Buffer.alloc(700), Buffer.alloc(700)]);
    expect(answer.status).toBe(413);
  });
});
