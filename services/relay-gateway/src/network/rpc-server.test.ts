import { createLogger } from "@gatehouse/service";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Gateway } from "../gateway.js";
import { RpcServer } from "./rpc-server.js";

describe("RpcServer body limit", () => {
  const received: string[] = [];
  // Only the two members the server reads: a gateway that echoes what reached it.
  const gateway = {
    draining: false,
    processRequest: async (body: Buffer) => {
      received.push(body.toString());
      return { status: 200, body: '{"ok":true}' };
    },
  } as unknown as Gateway;
  const server = new RpcServer({
    addr: "127.0.0.1:0",
    maxRequestBytes: 64,
    gateway,
    logger: createLogger({ service: "test", instanceId: "test", level: "silent" }),
  });
  let url = "";
  beforeAll(async () => {
    url = await server.listen();
  });
  afterAll(() => server.close());

  it("passes a body within the limit to the gateway", async () => {
    const res = await fetch(url, { method: "POST", body: "x".repeat(64) });
    expect(res.status).toBe(200);
    expect(received).toEqual(["x".repeat(64)]);
  });

  it("answers 413 with a JSON-RPC error, null id, for a body over the limit, without reaching the gateway", async () => {
    received.length = 0;
    const res = await fetch(url, { method: "POST", body: "x".repeat(65) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      jsonrpc: "2.0",
      id: null,
      method: "",
      error: { code: -32600, message: "request body exceeds 64 bytes", data: null },
    });
    expect(received).toEqual([]);
  });
});
