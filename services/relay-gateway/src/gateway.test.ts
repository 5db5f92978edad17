import { createHash } from "node:crypto";
import { ErrorCode, type JsonRpcRequest, METHOD_SECRETS_GET } from "@gatehouse/relay";
import { createLogger } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { authenticator } from "./api/auth.js";
import { Gateway } from "./gateway.js";
import type { Callback } from "./handlers/common/callback.js";
import { type Handler, HandlerRejectedError } from "./handlers/handler.js";

/** A handler stub: answers with the caller's id, as told, or never. */
class StubHandler implements Handler {
  readonly seen: Array<{ id: string; clientId: unknown; sender: string }> = [];
  answer: ((cb: Callback, request: JsonRpcRequest) => void) | undefined = (cb, request) =>
    cb.send({
      rawResponse: JSON.stringify({ jsonrpc: "2.0", id: request.clientId, method: request.method, result: { ok: true } }),
      errorCode: ErrorCode.NoError,
    });
  methods() {
    return [METHOD_SECRETS_GET];
  }
  handleUserMessage(request: JsonRpcRequest, sender: string, callback: Callback) {
    if (request.id === "") throw new HandlerRejectedError("request ID cannot be empty");
    this.seen.push({ id: request.id, clientId: request.clientId, sender });
    this.answer?.(callback, request);
  }
  handleNodeMessage() {}
  start() {}
  close() {}
}

const TOKEN = "s3cret-token";

function setup(options: { allow?: boolean; timeoutMs?: number; mode?: "none" | "tokens" } = {}) {
  const handler = new StubHandler();
  const gateway = new Gateway({
    services: new Map([["confidential", handler]]),
    authenticate: authenticator(
      options.mode === "tokens"
        ? { mode: "tokens", tokens: [{ sender: "enclave-a", token_sha256: sha256(TOKEN) }] }
        : { mode: "none", tokens: [] },
    ),
    senderLimiter: { allow: async () => options.allow ?? true },
    gatewayTimeoutMs: options.timeoutMs ?? 1_000,
    logger: createLogger({ service: "relay-gateway", instanceId: "t", level: "fatal" }),
  });
  return { gateway, handler };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

const fields = (extra: Record<string, unknown>) => ({ jsonrpc: "2.0", id: "1", method: METHOD_SECRETS_GET, params: { a: 1 }, ...extra });
const req = (extra: Record<string, unknown>) => JSON.stringify(fields(extra));
const bytes = (text: string) => Buffer.from(text, "utf8");

async function call(gateway: Gateway, body: string | Buffer, bearer?: string) {
  const answer = await gateway.processRequest(typeof body === "string" ? bytes(body) : body, bearer);
  return { status: answer.status, body: answer.body === undefined ? undefined : JSON.parse(answer.body) };
}

const error = (id: unknown, code: number, message: string) => ({ jsonrpc: "2.0", id, method: "", error: { code, message, data: null } });

describe("Gateway: JSON-RPC 2.0 request objects", () => {
  it.each([
    [{ jsonrpc: "1.0" }, "1", "incorrect jsonrpc version"],
    [{ jsonrpc: undefined }, "1", "incorrect jsonrpc version"],
    [{ method: 5 }, "1", "method must be a string"],
    [{ method: "" }, "1", "empty method field"],
    [{ params: 5 }, "1", "params must be an object or an array"],
    [{ params: "s" }, "1", "params must be an object or an array"],
    [{ params: null }, "1", "params must be an object or an array"],
    [{ auth: 5 }, "1", "auth must be a string"],
    [{ id: { a: 1 } }, null, "request ID must be a string, a number or null"],
    [{ id: true }, null, "request ID must be a string, a number or null"],
    [{ id: 2 ** 53 }, null, "a numeric request ID must be an integer of at most 2^53 - 1"],
    [{ id: "x".repeat(201) }, "x".repeat(201), "request ID is too long: 201. max is 200 characters"],
  ])("refuses %j: -32600 with the id it could read, HTTP 200, data null", async (extra, id, message) => {
    const { gateway, handler } = setup();
    expect(await call(gateway, req(extra))).toEqual({ status: 200, body: error(id, -32600, message) });
    expect(handler.seen).toHaveLength(0);
  });

  it("refuses an id that is not well-formed Unicode (a lone surrogate) before any handler sees it", async () => {
    const { gateway, handler } = setup();
    const answer = await call(gateway, '{"jsonrpc":"2.0","id":"\\ud800","method":"confidential.secrets.get","params":{}}');
    expect(answer).toEqual({ status: 200, body: error("\ud800", -32600, "request ID is not well-formed Unicode") });
    expect(handler.seen).toHaveLength(0);
  });

  it("refuses an empty string id as the Chainlink handler does (-32600, id echoed)", async () => {
    const { gateway } = setup();
    expect(await call(gateway, req({ id: "" }))).toEqual({ status: 200, body: error("", -32600, "request ID cannot be empty") });
  });

  it("serves string, number and null ids; the handler gets the id's text for the DON and the typed id for the answer", async () => {
    const { gateway, handler } = setup();
    for (const id of ["abc", 7, -3, 1.5, null]) {
      expect(await call(gateway, req({ id }))).toEqual({
        status: 200,
        body: { jsonrpc: "2.0", id, method: METHOD_SECRETS_GET, result: { ok: true } },
      });
    }
    expect(handler.seen.map((s) => [s.id, s.clientId])).toEqual([
      ["abc", "abc"],
      ["7", 7],
      ["-3", -3],
      ["1.5", 1.5],
      ["null", null],
    ]);
  });

  it("answers text that is not JSON, or not UTF-8, with -32700 and id null", async () => {
    const { gateway } = setup();
    expect(await call(gateway, "{not json")).toEqual({ status: 200, body: error(null, -32700, "invalid JSON") });
    expect(await call(gateway, Buffer.from([0x7b, 0xff, 0x7d]))).toEqual({
      status: 200,
      body: error(null, -32700, "request body is not valid UTF-8"),
    });
  });

  it("refuses a body nested deeper than 64 levels before parsing it (-32600, id null); 64 levels decode", async () => {
    const { gateway, handler } = setup();
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    const deep = `{"jsonrpc":"2.0","id":"deep","method":"confidential.secrets.get","params":${nested(10_000)}}`;
    expect(await call(gateway, deep)).toEqual({ status: 200, body: error(null, -32600, "request nests deeper than 64 levels") });
    const fits = `{"jsonrpc":"2.0","id":"fits","method":"confidential.secrets.get","params":${nested(63)}}`;
    expect((await call(gateway, fits)).body.result).toEqual({ ok: true });
    expect(handler.seen.map((s) => s.id)).toEqual(["fits"]);
  });
});

describe("Gateway: methods and params", () => {
  it("answers unknown services and methods with -32601, keeping the id", async () => {
    const { gateway } = setup();
    expect(await call(gateway, req({ id: 3, method: "vault.secrets.get" }))).toEqual({
      status: 200,
      body: error(3, -32601, "Service name not found: vault"),
    });
    expect((await call(gateway, req({ method: "confidential.nope" }))).body).toEqual(
      error("1", -32601, "no handler found for method confidential.nope"),
    );
  });

  it("answers missing or by-position params with -32602 (the relay's methods take named params)", async () => {
    const { gateway } = setup();
    expect((await call(gateway, req({ params: undefined }))).body).toEqual(error("1", -32602, "invalid params: params are required"));
    expect((await call(gateway, req({ params: [1] }))).body).toEqual(
      error("1", -32602, "invalid params: params must be a JSON object, not an array"),
    );
  });
});

describe("Gateway: batches and notifications", () => {
  it("answers a batch with an array of answers, in order, without the notifications'", async () => {
    const { gateway, handler } = setup();
    const batch = [fields({ id: 1 }), fields({ id: undefined }), 5, fields({ id: "b", method: "x.y" }), fields({ id: null })];
    const answer = await call(gateway, JSON.stringify(batch));
    expect(answer).toEqual({
      status: 200,
      body: [
        { jsonrpc: "2.0", id: 1, method: METHOD_SECRETS_GET, result: { ok: true } },
        error(null, -32600, "request must be a JSON object"),
        error("b", -32601, "Service name not found: x"),
        { jsonrpc: "2.0", id: null, method: METHOD_SECRETS_GET, result: { ok: true } },
      ],
    });
    expect(handler.seen.map((s) => s.id)).toEqual(["1", "null"]);
  });

  it("answers a notification, or a batch of them, with 204 and no body, and runs none", async () => {
    const { gateway, handler } = setup();
    expect(await call(gateway, req({ id: undefined }))).toEqual({ status: 204, body: undefined });
    expect(await call(gateway, JSON.stringify([fields({ id: undefined }), fields({ id: undefined, method: "x.y" })]))).toEqual({
      status: 204,
      body: undefined,
    });
    expect(handler.seen).toHaveLength(0);
  });

  it("answers an invalid request without an id (it is no notification) with id null", async () => {
    const { gateway } = setup();
    expect((await call(gateway, req({ id: undefined, jsonrpc: "1.0" }))).body).toEqual(error(null, -32600, "incorrect jsonrpc version"));
  });

  it("refuses an empty batch and one over 128 requests with a single -32600, id null", async () => {
    const { gateway, handler } = setup();
    expect(await call(gateway, "[]")).toEqual({ status: 200, body: error(null, -32600, "empty batch") });
    const big = JSON.stringify(Array.from({ length: 129 }, (_, i) => fields({ id: i })));
    expect(await call(gateway, big)).toEqual({ status: 200, body: error(null, -32600, "batch of 129 requests exceeds 128") });
    expect(handler.seen).toHaveLength(0);
  });
});

describe("Gateway: the request path", () => {
  it("authenticates bearer tokens (header or auth field) and scopes the sender; refusals are -32600", async () => {
    const { gateway, handler } = setup({ mode: "tokens" });
    expect(await call(gateway, req({}))).toEqual({ status: 200, body: error("1", -32600, "request not authorized") });
    expect((await call(gateway, req({}), "wrong")).body.error.message).toBe("request not authorized");
    expect((await call(gateway, req({}), TOKEN)).body.result).toEqual({ ok: true });
    expect((await call(gateway, req({ id: "2", auth: TOKEN }), "wrong")).body.result).toEqual({ ok: true });
    expect(handler.seen.map(({ id, sender }) => ({ id, sender }))).toEqual([
      { id: "1", sender: "enclave-a" },
      { id: "2", sender: "enclave-a" },
    ]);
  });

  it("answers -32002 when the sender is over its rate", async () => {
    const { gateway, handler } = setup({ allow: false });
    expect(await call(gateway, req({ id: 9 }))).toEqual({ status: 200, body: error(9, -32002, "rate limit exceeded for sender") });
    expect(handler.seen).toHaveLength(0);
  });

  it("answers -32000 with the id if the gateway deadline passes first", async () => {
    const { gateway, handler } = setup({ timeoutMs: 50 });
    handler.answer = undefined;
    expect(await call(gateway, req({ id: "late" }))).toEqual({
      status: 200,
      body: error("late", -32000, "handler timeout: gateway deadline exceeded"),
    });
  });

  it("answers an unexpected handler failure with -32603 and the id, not an HTTP error", async () => {
    const { gateway, handler } = setup();
    handler.answer = () => {
      throw new RangeError("Maximum call stack size exceeded");
    };
    expect(await call(gateway, req({ id: 4 }))).toEqual({ status: 200, body: error(4, -32603, "internal error") });
  });

  it("refuses new requests while draining: 503 with a JSON-RPC error", async () => {
    const { gateway } = setup();
    gateway.drain();
    expect(await call(gateway, req({}))).toEqual({ status: 503, body: error(null, -32000, "gateway is draining") });
  });
});
