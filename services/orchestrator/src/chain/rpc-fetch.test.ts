import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createPublicClient, http } from "viem";
import { MAX_RPC_RESPONSE_BYTES, PooledRpcFetch } from "./rpc-fetch.js";

/** The paths the node below was asked at. */
const paths: string[] = [];

/** A JSON-RPC node on loopback: eth_blockNumber answers 0x2a; `/huge` answers past the cap; `/down` answers 503. */
function node(): Promise<{ server: Server; url: string }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    paths.push(req.url ?? "");
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      if (req.url === "/huge") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(`{"jsonrpc":"2.0","id":1,"result":"0x${"0".repeat(MAX_RPC_RESPONSE_BYTES)}"}`);
        return;
      }
      if (req.url === "/down") {
        res.writeHead(503, { "content-type": "text/plain" });
        res.end("maintenance");
        return;
      }
      const calls = JSON.parse(body) as { id: number; method: string } | { id: number; method: string }[];
      const answer = (c: { id: number; method: string }) => ({
        jsonrpc: "2.0",
        id: c.id,
        result: c.method === "eth_blockNumber" ? "0x2a" : null,
      });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(Array.isArray(calls) ? calls.map(answer) : answer(calls)));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

describe("PooledRpcFetch under viem's http transport", () => {
  let served: { server: Server; url: string };
  const fetches: PooledRpcFetch[] = [];
  const clientFor = (path: string) => {
    const rpc = new PooledRpcFetch(served.url + path);
    fetches.push(rpc);
    return createPublicClient({ transport: http(served.url + path, { retryCount: 0, fetchFn: rpc.fetch, batch: { wait: 0 } }) });
  };

  beforeAll(async () => {
    served = await node();
  });
  afterAll(async () => {
    await Promise.all(fetches.map((f) => f.close()));
    served.server.close();
  });

  it("carries single and batched calls to the node's path and back", async () => {
    const client = clientFor("/v2/key");
    expect(await client.getBlockNumber({ cacheTime: 0 })).toBe(42n);
    const batched = await Promise.all([1, 2, 3].map(() => client.getBlockNumber({ cacheTime: 0 })));
    expect(batched).toEqual([42n, 42n, 42n]);
    expect(new Set(paths)).toEqual(new Set(["/v2/key"]));
  });

  it("a non-2xx answer is viem's HttpRequestError with the status", async () => {
    await expect(clientFor("/down").getBlockNumber({ cacheTime: 0 })).rejects.toMatchObject({ name: "HttpRequestError", status: 503 });
  });

  it("an answer past the cap is abandoned while it is read", async () => {
    await expect(clientFor("/huge").getBlockNumber({ cacheTime: 0 })).rejects.toThrow(/exceeds 10485760 bytes/);
  });
});
