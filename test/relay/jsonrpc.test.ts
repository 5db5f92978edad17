// The gateway as a JSON-RPC 2.0 server, end to end: two generic client libraries (json-rpc-2.0,
// jayson), raw HTTP for the edges of the wire contract, and the deep-nesting attack with its memory
// bound, against a real relay-gateway and four relay-node processes over NATS. Needs `make build`.
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { METHOD_CAPABILITY_EXECUTE, METHOD_SECRETS_GET } from "@gatehouse/relay";
import { getJson, type ServiceProcess, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import jayson from "jayson/promise/index.js";
import { JSONRPCClient, JSONRPCErrorException, type JSONRPCResponse } from "json-rpc-2.0";
import { capabilityParams, intruderKey, RelayDon, secretsParams } from "./support/relay-don.js";

const TOKEN = "jsonrpc-bearer-token";
const don = new RelayDon({ name: "jsonrpc", tokens: { "enclave-a": TOKEN } });
let gw: ServiceProcess;
let url = "";

const b64 = (text: string) => Buffer.from(text).toString("base64");

beforeAll(async () => {
  await don.startNodes();
  gw = await don.startGateway("gw-jsonrpc");
  url = gw.endpoints.jsonrpc as string;
  await waitFor(async () => ((await getJson(`${gw.endpoints.ops}/readyz`)).status === 200 ? true : undefined), {
    description: "gateway ready",
  });
}, 200_000);

afterAll(() => don.stop());

async function post(body: string, init: RequestInit = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    body,
    ...init,
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text), contentType: res.headers.get("content-type") };
}

const rpcError = (id: unknown, code: number, message: string) => ({ jsonrpc: "2.0", id, method: "", error: { code, message, data: null } });

describe("json-rpc-2.0 (npm) as the client", () => {
  // The library's documented HTTP transport: every answer arrives as HTTP 200 and goes to receive().
  const client: JSONRPCClient = new JSONRPCClient(async (request) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(request),
    });
    if (res.status === 200) client.receive((await res.json()) as JSONRPCResponse);
    else if (res.status !== 204) throw new Error(`HTTP ${res.status}`);
  });

  it("calls both relay methods with numeric ids and gets the agreed results", async () => {
    expect(await client.request(METHOD_CAPABILITY_EXECUTE, capabilityParams("echo", Buffer.from("lib")))).toEqual({ payload: b64("lib") });
    const answer = await client.requestAdvanced({
      jsonrpc: "2.0",
      id: 4242,
      method: METHOD_CAPABILITY_EXECUTE,
      params: capabilityParams("echo", Buffer.from("n")),
    });
    expect(answer).toEqual({ jsonrpc: "2.0", id: 4242, method: METHOD_CAPABILITY_EXECUTE, result: { payload: b64("n") } });
  });

  it("gets its errors as JSON-RPC errors it correlates: unknown method, params, attestation", async () => {
    const failure = (p: PromiseLike<unknown>) =>
      Promise.resolve(p).then(
        () => undefined,
        (err: unknown) => (err instanceof JSONRPCErrorException ? { code: err.code, message: err.message, data: err.data } : err),
      );
    expect(await failure(client.request("confidential.nope", {}))).toEqual({
      code: -32601,
      message: "no handler found for method confidential.nope",
      data: null,
    });
    expect(await failure(client.request(METHOD_SECRETS_GET, [1, 2]))).toMatchObject({ code: -32602 });
    expect(await failure(client.request(METHOD_SECRETS_GET, secretsParams(["db"], intruderKey)))).toEqual({
      code: -32602,
      message: "attestation is not signed by a trusted enclave key",
      data: null,
    });
  });

  it("sends a batch and gets one answer per request", async () => {
    const answers = await client.requestAdvanced([
      { jsonrpc: "2.0", id: 1, method: METHOD_CAPABILITY_EXECUTE, params: capabilityParams("echo", Buffer.from("a")) },
      { jsonrpc: "2.0", id: "two", method: METHOD_CAPABILITY_EXECUTE, params: capabilityParams("echo", Buffer.from("b")) },
      { jsonrpc: "2.0", id: 3, method: "confidential.nope", params: {} },
    ]);
    expect(answers).toEqual([
      { jsonrpc: "2.0", id: 1, method: METHOD_CAPABILITY_EXECUTE, result: { payload: b64("a") } },
      { jsonrpc: "2.0", id: "two", method: METHOD_CAPABILITY_EXECUTE, result: { payload: b64("b") } },
      rpcError(3, -32601, "no handler found for method confidential.nope"),
    ]);
  });

  it("sends a notification and gets no answer", async () => {
    await expect(
      client.send({ jsonrpc: "2.0", method: METHOD_CAPABILITY_EXECUTE, params: capabilityParams("echo", Buffer.from("x")) }),
    ).resolves.toBeUndefined();
  });
});

describe("jayson (npm) as the client", () => {
  const client = () =>
    jayson.Client.http({ host: "127.0.0.1", port: Number(new URL(url).port), path: "/", headers: { authorization: `Bearer ${TOKEN}` } });

  it("calls with its own string ids and with numeric ids", async () => {
    const answer = await client().request(METHOD_CAPABILITY_EXECUTE, capabilityParams("echo", Buffer.from("jay")));
    expect(answer).toMatchObject({ jsonrpc: "2.0", result: { payload: b64("jay") } });
    expect(typeof answer.id).toBe("string");
    const numeric = await client().request(METHOD_CAPABILITY_EXECUTE, capabilityParams("echo", Buffer.from("7")), 7);
    expect(numeric).toEqual({ jsonrpc: "2.0", id: 7, method: METHOD_CAPABILITY_EXECUTE, result: { payload: b64("7") } });
  });

  it("gets errors as JSON-RPC error objects with its id, not transport errors", async () => {
    expect(await client().request("vault.secrets.get", {}, 11)).toEqual(rpcError(11, -32601, "Service name not found: vault"));
    expect(await client().request(METHOD_SECRETS_GET, secretsParams(["nope"]), "m-1")).toEqual({
      jsonrpc: "2.0",
      id: "m-1",
      method: METHOD_SECRETS_GET,
      error: { code: -32602, message: "secret not found: main/nope", data: null },
    });
  });

  it("sends a batch with a notification in it and gets the answers of the others", async () => {
    const c = client();
    // jayson makes a request with id null a notification (its documentation; its typings omit null).
    const notification = null as unknown as string;
    const answers = await c.request([
      c.request(METHOD_CAPABILITY_EXECUTE, capabilityParams("echo", Buffer.from("1")), 1, false),
      c.request(METHOD_CAPABILITY_EXECUTE, capabilityParams("echo", Buffer.from("2")), notification, false),
      c.request(METHOD_CAPABILITY_EXECUTE, capabilityParams("echo", Buffer.from("3")), "three", false),
    ]);
    expect(answers).toEqual([
      { jsonrpc: "2.0", id: 1, method: METHOD_CAPABILITY_EXECUTE, result: { payload: b64("1") } },
      { jsonrpc: "2.0", id: "three", method: METHOD_CAPABILITY_EXECUTE, result: { payload: b64("3") } },
    ]);
  });
});

describe("the wire contract at the edges (raw HTTP)", () => {
  it("answers a null id with null, and every JSON-RPC answer with HTTP 200 and application/json", async () => {
    const answer = await post(
      JSON.stringify({ jsonrpc: "2.0", id: null, method: METHOD_CAPABILITY_EXECUTE, params: capabilityParams("echo", Buffer.from("0")) }),
    );
    expect(answer).toEqual({
      status: 200,
      contentType: "application/json",
      body: { jsonrpc: "2.0", id: null, method: METHOD_CAPABILITY_EXECUTE, result: { payload: b64("0") } },
    });
    expect(await post("{oops")).toMatchObject({ status: 200, body: rpcError(null, -32700, "invalid JSON") });
    expect(await post("[]")).toMatchObject({ status: 200, body: rpcError(null, -32600, "empty batch") });
  });

  it("refuses an id that is not well-formed Unicode at the door instead of sending it to the nodes", async () => {
    const params = JSON.stringify(capabilityParams("echo", Buffer.from("s")));
    const answer = await post(`{"jsonrpc":"2.0","id":"\\ud800","method":"${METHOD_CAPABILITY_EXECUTE}","params":${params}}`);
    expect(answer).toMatchObject({ status: 200, body: rpcError("\ud800", -32600, "request ID is not well-formed Unicode") });
  });

  it("answers a body over max_request_bytes with 413 and a JSON-RPC error", async () => {
    const big = JSON.stringify({ jsonrpc: "2.0", id: "big", method: METHOD_SECRETS_GET, params: { pad: "x".repeat(2_000_000) } });
    expect(await post(big)).toEqual({
      status: 413,
      contentType: "application/json",
      body: rpcError(null, -32600, "request body exceeds 100000 bytes"),
    });
  });

  it("answers a body that passes the limit as it arrives (no Content-Length) with 413 too", async () => {
    const { port } = new URL(url);
    const answer = await new Promise<{ status: number; connection: string | undefined; body: unknown }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/", method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: JSON.parse(text) }));
      });
      req.on("error", reject);
      req.write(`{"jsonrpc":"2.0","id":"chunked","method":"${METHOD_SECRETS_GET}","params":{"pad":"`);
      for (let i = 0; i < 30; i++) req.write("x".repeat(4_096));
      req.end('"}}');
    });
    expect(answer).toEqual({ status: 413, connection: "close", body: rpcError(null, -32600, "request body exceeds 100000 bytes") });
  });

  it("answers other paths with 404 and other HTTP methods with 405, in JSON-RPC errors", async () => {
    const get = await fetch(url);
    expect([get.status, get.headers.get("allow"), await get.json()]).toEqual([
      405,
      "POST",
      rpcError(null, -32600, "HTTP method GET not allowed: POST JSON-RPC to /"),
    ]);
    const put = await fetch(url, { method: "PUT", body: "{}" });
    expect([put.status, await put.json()]).toEqual([405, rpcError(null, -32600, "HTTP method PUT not allowed: POST JSON-RPC to /")]);
    const other = await fetch(new URL("/other", url), { method: "POST", body: "{}" });
    expect([other.status, await other.json()]).toEqual([404, rpcError(null, -32600, "no JSON-RPC endpoint at /other: POST to /")]);
    const health = await fetch(new URL("/health", url));
    expect([health.status, await health.text()]).toEqual([200, "OK"]);
    const postHealth = await fetch(new URL("/health", url), { method: "POST", body: "{}" });
    expect([postHealth.status, postHealth.headers.get("allow"), await postHealth.json()]).toEqual([
      405,
      "GET",
      rpcError(null, -32600, "HTTP method POST not allowed on /health: use GET"),
    ]);
  });
});

describe("deeply nested params (a 20 KB request nesting 10,000 levels)", () => {
  const deep = (id: string) =>
    `{"jsonrpc":"2.0","id":"${id}","method":"${METHOD_CAPABILITY_EXECUTE}","params":{"p":${"[".repeat(10_000)}${"]".repeat(10_000)}}}`;
  const rssBytes = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${gw.pid}/status`, "utf8"))?.[1]) * 1024;

  it("is refused at the door with -32600, the id is usable at once, and memory stays bounded", async () => {
    expect(Buffer.byteLength(deep("x"))).toBeGreaterThan(20_000);
    const first = await post(deep("deep-0"));
    expect(first).toMatchObject({ status: 200, body: rpcError(null, -32600, "request nests deeper than 64 levels") });
    const reuse = await post(
      JSON.stringify({
        jsonrpc: "2.0",
        id: "deep-0",
        method: METHOD_CAPABILITY_EXECUTE,
        params: capabilityParams("echo", Buffer.from("again")),
      }),
    );
    expect(reuse.body).toEqual({ jsonrpc: "2.0", id: "deep-0", method: METHOD_CAPABILITY_EXECUTE, result: { payload: b64("again") } });

    const before = rssBytes();
    const N = 1_000;
    for (let sent = 0; sent < N; sent += 20) {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(deep(`deep-${sent + i + 1}`))));
      for (const a of answers) expect(a.body.error.code).toBe(-32600);
    }
    const grown = rssBytes() - before;
    // Kept requests cost about half a megabyte each (1,000 of them: ~500 MB); refused ones nothing.
    expect(grown).toBeLessThan(64 * 1024 * 1024);
    const active = await (await fetch(`${gw.endpoints.ops}/metrics`)).text();
    expect(active).toMatch(/gatehouse_relay_gateway_active_requests 0\b/);
  }, 120_000);
});
