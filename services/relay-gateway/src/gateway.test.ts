import { createHash } from "node:crypto";
import { ErrorCode, METHOD_SECRETS_GET } from "@gatehouse/relay";
import { createLogger } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { authenticator } from "./api/auth.js";
import { Gateway } from "./gateway.js";
import type { Callback } from "./handlers/common/callback.js";
import { type Handler, HandlerRejection } from "./handlers/handler.js";

/** A handler stub: answers as told, or never. */
class StubHandler implements Handler {
  readonly seen: Array<{ id: string; sender: string }> = [];
  answer: ((cb: Callback) => void) | undefined = (cb) => cb.send({ rawResponse: '{"ok":true}', errorCode: ErrorCode.NoError });
  methods() {
    return [METHOD_SECRETS_GET];
  }
  handleUserMessage(request: { id: string }, sender: string, callback: Callback) {
    if (request.id === "") throw new HandlerRejection("request ID cannot be empty");
    this.seen.push({ id: request.id, sender });
    this.answer?.(callback);
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

const req = (fields: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: "2.0", id: "1", method: METHOD_SECRETS_GET, params: { a: 1 }, ...fields });

describe("Gateway.processRequest (behaviours 1-4, 19)", () => {
  it.each([
    [{ jsonrpc: "1.0" }, "incorrect jsonrpc version"],
    [{ method: "" }, "empty method field"],
    [{ params: null }, "invalid params"],
    [{ params: [1, 2] }, "params must be a JSON object"],
    [{ params: 5 }, "params must be a JSON object"],
  ])('rejects %j with -32700, HTTP 400 and id ""', async (fields, message) => {
    const { gateway, handler } = setup();
    const answer = await gateway.processRequest(req(fields), undefined);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ jsonrpc: "2.0", id: "", method: "", error: { code: -32700, message } });
    expect(handler.seen).toHaveLength(0);
  });

  it("rejects an id over 200 characters with -32700 and an empty id with -32600", async () => {
    const { gateway } = setup();
    const long = await gateway.processRequest(req({ id: "x".repeat(201) }), undefined);
    expect([long.status, JSON.parse(long.body).error]).toEqual([
      400,
      { code: -32700, message: "request ID is too long: 201. max is 200 characters" },
    ]);
    const empty = await gateway.processRequest(req({ id: "" }), undefined);
    expect([empty.status, JSON.parse(empty.body).error]).toEqual([400, { code: -32600, message: "request ID cannot be empty" }]);
  });

  it("routes by the method prefix: unknown service and unknown method are -32600", async () => {
    const { gateway } = setup();
    const svc = await gateway.processRequest(req({ method: "vault.secrets.get" }), undefined);
    expect([svc.status, JSON.parse(svc.body).error]).toEqual([400, { code: -32600, message: "Service name not found: vault" }]);
    const m = await gateway.processRequest(req({ method: "confidential.nope" }), undefined);
    expect(JSON.parse(m.body).error.code).toBe(-32600);
  });

  it("authenticates bearer tokens (header or auth field) and scopes the sender", async () => {
    const { gateway, handler } = setup({ mode: "tokens" });
    expect((await gateway.processRequest(req({}), undefined)).status).toBe(400);
    expect(JSON.parse((await gateway.processRequest(req({}), "wrong")).body).error.message).toBe("request not authorized");
    expect((await gateway.processRequest(req({}), TOKEN)).status).toBe(200);
    expect((await gateway.processRequest(req({ id: "2", auth: TOKEN }), "wrong")).status).toBe(200);
    expect(handler.seen).toEqual([
      { id: "1", sender: "enclave-a" },
      { id: "2", sender: "enclave-a" },
    ]);
  });

  it("answers 429 LimitExceeded when the sender is over its rate", async () => {
    const { gateway, handler } = setup({ allow: false });
    const answer = await gateway.processRequest(req({}), undefined);
    expect([answer.status, JSON.parse(answer.body).error]).toEqual([429, { code: -32002, message: "rate limit exceeded for sender" }]);
    expect(handler.seen).toHaveLength(0);
  });

  it("returns the handler's answer with its status, and a JSON 504 if the gateway deadline passes first", async () => {
    const { gateway, handler } = setup({ timeoutMs: 50 });
    expect(await gateway.processRequest(req({}), undefined)).toEqual({ status: 200, body: '{"ok":true}' });
    handler.answer = undefined;
    const late = await gateway.processRequest(req({ id: "late" }), undefined);
    expect(late.status).toBe(504);
    expect(JSON.parse(late.body).error).toEqual({ code: -32000, message: "handler timeout: gateway deadline exceeded" });
  });

  it("refuses new requests while draining", async () => {
    const { gateway } = setup();
    gateway.drain();
    expect((await gateway.processRequest(req({}), undefined)).status).toBe(503);
  });
});
