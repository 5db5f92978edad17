import { getEventListeners } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { JsonRpcClient, RpcError } from "./rpc-client.js";

let server: Server;
let url: string;

beforeAll(async () => {
  // Answers getblockcount at once; "hang" never answers.
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      const { id, method } = JSON.parse(body) as { id: number; method: string };
      if (method === "hang") return;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ id, result: 42, error: null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("JsonRpcClient", () => {
  it("leaves no listener on the caller's long-lived signal once calls end", async () => {
    const rpc = new JsonRpcClient({ url, timeoutMs: 5_000 });
    const lifetime = new AbortController();
    for (let i = 0; i < 25; i++) expect(await rpc.call<number>("getblockcount", [], { signal: lifetime.signal })).toBe(42);
    expect(getEventListeners(lifetime.signal, "abort")).toHaveLength(0);
  });

  it("says a call timed out", async () => {
    const rpc = new JsonRpcClient({ url, timeoutMs: 100 });
    await expect(rpc.call("hang")).rejects.toEqual(new RpcError("transport", "hang: timed out"));
  });

  it("stops a call when the caller's signal aborts, and not as a timeout", async () => {
    const rpc = new JsonRpcClient({ url, timeoutMs: 5_000 });
    const lifetime = new AbortController();
    const call = rpc.call("hang", [], { signal: lifetime.signal });
    lifetime.abort();
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).kind).toBe("transport");
    expect((err as RpcError).message).not.toContain("timed out");
    expect(getEventListeners(lifetime.signal, "abort")).toHaveLength(0);
  });
});
