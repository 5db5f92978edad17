import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { BcoinRpcError } from "./errors.js";
import { BcoinClient } from "./regtest.js";

describe("BcoinClient", () => {
  // Answers every JSON-RPC call with an error and every wallet call with 404, as bcoin does for an unknown method or path.
  const server = createServer((req, res) => {
    if (req.url === "/") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ result: null, error: { message: "Method not found." }, id: 1 }));
    } else {
      res.writeHead(404);
      res.end("Not found.");
    }
  });
  let client: BcoinClient;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new BcoinClient(`${url}/`, `${url}/wallet`, "key");
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("turns an error answer into BcoinRpcError naming the method", async () => {
    await expect(client.rpc("nope")).rejects.toThrow(BcoinRpcError);
    await expect(client.rpc("nope")).rejects.toThrow("bcoin nope: Method not found.");
    await expect(client.wallet("GET", "/nope")).rejects.toThrow(BcoinRpcError);
  });
});
