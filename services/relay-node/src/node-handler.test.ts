import { create } from "@bufbuild/protobuf";
import { subjects } from "@gatehouse/bus";
import { RelayRequestSchema } from "@gatehouse/proto/relay/v1";
import {
  addressFromPrivateKey,
  devKey,
  type JsonObject,
  METHOD_CAPABILITY_EXECUTE,
  METHOD_SECRETS_GET,
  parseResponse,
  recoverPersonalSigner,
  responseBatchSigningPayload,
  responseEntryDigest,
  secretField,
  secretHashKey,
  signDevAttestation,
} from "@gatehouse/relay";
import { createLogger, EndOfTurn, Metrics, type Redis } from "@gatehouse/service";
import { waitFor } from "@gatehouse/testkit";
import { describe, expect, it } from "@jest/globals";
import { DevAttestationVerifier } from "./attestation/dev.js";
import { CapabilityRegistry, echoCapability, hashCapability } from "./capabilities/registry.js";
import { nodeMetrics } from "./metrics.js";
import { RelayNodeHandler, type SignedResponseInit } from "./node-handler.js";
import { RequestRefusedError } from "./request-intake.js";

const enclave = Uint8Array.from(Buffer.alloc(32, 7));
const intruder = Uint8Array.from(Buffer.alloc(32, 8));
const owner = `0x${"ab".repeat(20)}`;
const enclavePub = `04${"11".repeat(64)}`;
const subj = subjects("t");

/** Redis stand-in holding one owner's secrets hash (only HMGET is used). */
function fakeRedis(secrets: Record<string, string>): Redis {
  return {
    hmget: async (key: string, ...fields: string[]) => fields.map((f) => (key === secretHashKey(owner) ? (secrets[f] ?? null) : null)),
  } as unknown as Redis;
}

function node(seed: string, redis = fakeRedis({}), failPublish = false) {
  const key = devKey(seed);
  const published: Array<{ subject: string; response: SignedResponseInit }> = [];
  const capabilities = new CapabilityRegistry()
    .register("echo", echoCapability)
    .register("hash", hashCapability)
    .register("broken", async () => {
      throw new Error("upstream refused");
    });
  const metrics = new Metrics("relay-node");
  const handler = new RelayNodeHandler({
    identity: { key, address: addressFromPrivateKey(key) },
    verifier: new DevAttestationVerifier([addressFromPrivateKey(enclave)]),
    redis,
    capabilities,
    subjects: subj,
    maxInFlight: 2,
    publish: (subject, response) => {
      if (failPublish) throw new Error("bus closed");
      published.push({ subject, response });
    },
    turnEnd: new EndOfTurn(() => {}),
    logger: createLogger({ service: "relay-node", instanceId: "t", level: "fatal" }),
    metrics: nodeMetrics(metrics),
  });
  return { handler, published, metrics, address: addressFromPrivateKey(key) };
}

function relayRequest(method: string, params: JsonObject, extra: Record<string, unknown> = {}) {
  return create(RelayRequestSchema, {
    requestKey: "k-1",
    jsonrpcId: "id-1",
    sender: "alice",
    method,
    params: Buffer.from(JSON.stringify(params)),
    gatewayId: "gw",
    replySubject: subj.relayGatewayResponse("gw"),
    createdAtUnixMs: BigInt(Date.now()),
    deadlineUnixMs: BigInt(Date.now() + 10_000),
    ...extra,
  });
}

const common = { workflow_id: "wf", owner, execution_id: "cd".repeat(32) };
const capParams = (capability: string, payload: string, key = enclave) => {
  const p: JsonObject = { ...common, reference_id: "r", capability_id: capability, payload };
  return { ...p, attestation: signDevAttestation(key, METHOD_CAPABILITY_EXECUTE, p) };
};

describe("RelayNodeHandler", () => {
  it("executes capabilities and signs a canonical response the gateway can verify", async () => {
    const { handler, published, address } = node("a");
    expect(handler.accept(relayRequest(METHOD_CAPABILITY_EXECUTE, capParams("hash", Buffer.from("abc").toString("base64"))))).toEqual({
      nodeAddress: address,
    });
    await waitFor(() => published.length === 1);
    const out = published[0] as { subject: string; response: SignedResponseInit };
    expect(out.subject).toBe("t.relay.gateway.gw.response");
    const [entry] = out.response.responses ?? [];
    expect(entry?.requestKey).toBe("k-1");
    const response = parseResponse(entry?.response as Uint8Array);
    expect(response).toEqual({
      jsonrpc: "2.0",
      id: "id-1",
      method: METHOD_CAPABILITY_EXECUTE,
      result: { payload: "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=" },
    });
    const digests = [responseEntryDigest("k-1", entry?.response as Uint8Array)];
    const payload = responseBatchSigningPayload({ gatewayId: "gw", nodeAddress: address }, digests);
    expect(recoverPersonalSigner(payload, out.response.signature as Uint8Array)).toBe(address);
  });

  it("produces byte-identical responses on different nodes (deterministic translation)", async () => {
    const a = node("a");
    const b = node("b");
    const req = relayRequest(METHOD_CAPABILITY_EXECUTE, capParams("echo", "aGVsbG8="));
    const [ra, rb] = await Promise.all([a.handler.execute(req), b.handler.execute(req)]);
    expect(ra.canonical).toBe(rb.canonical);
    expect(JSON.parse(ra.canonical)).toEqual(ra.response);
  });

  it("turns an execution failure into a result, and bad input into JSON-RPC errors", async () => {
    const { handler } = node("a");
    expect((await handler.execute(relayRequest(METHOD_CAPABILITY_EXECUTE, capParams("broken", "")))).response.result).toEqual({
      error: "capability broken failed: upstream refused",
    });
    expect((await handler.execute(relayRequest(METHOD_CAPABILITY_EXECUTE, capParams("nope", "")))).response.error).toEqual({
      code: -32602,
      message: "capability not found: nope",
    });
    expect((await handler.execute(relayRequest(METHOD_CAPABILITY_EXECUTE, capParams("echo", "", intruder)))).response.error).toEqual({
      code: -32602,
      message: "attestation is not signed by a trusted enclave key",
    });
    const unattested = { ...capParams("echo", ""), attestation: "" };
    expect((await handler.execute(relayRequest(METHOD_CAPABILITY_EXECUTE, unattested))).response.error?.message).toBe(
      "missing attestation",
    );
    expect((await handler.execute(relayRequest("confidential.other", {}))).response.error).toEqual({
      code: -32601,
      message: "unsupported method: confidential.other",
    });
    expect((await handler.execute(relayRequest(METHOD_CAPABILITY_EXECUTE, { ...common, owner: "0x1" }))).response.error?.code).toBe(-32602);
  });

  it("returns stored secrets in the reference shape, and fails the whole request if one is missing or for another enclave", async () => {
    const stored = { ciphertext: "Y2lwaGVy", encrypted_shares: ["c2hhcmU="], enclave_public_key: enclavePub };
    const redis = fakeRedis({
      [secretField("main", "api")]: JSON.stringify(stored),
      [secretField("ns", "other")]: JSON.stringify({ ...stored, enclave_public_key: `04${"22".repeat(64)}` }),
    });
    const { handler } = node("a", redis);
    const params = (secrets: JsonObject[]) => {
      const p: JsonObject = { ...common, secrets, enclave_public_key: enclavePub };
      return { ...p, attestation: signDevAttestation(enclave, METHOD_SECRETS_GET, p) };
    };
    expect((await handler.execute(relayRequest(METHOD_SECRETS_GET, params([{ key: "api" }])))).response.result).toEqual({
      secrets: [{ id: { key: "api", namespace: "main" }, ciphertext: "Y2lwaGVy", encrypted_shares: ["c2hhcmU="] }],
    });
    expect((await handler.execute(relayRequest(METHOD_SECRETS_GET, params([{ key: "api" }, { key: "gone" }])))).response.error).toEqual({
      code: -32602,
      message: "secret not found: main/gone",
    });
    expect(
      (await handler.execute(relayRequest(METHOD_SECRETS_GET, params([{ key: "other", namespace: "ns" }])))).response.error?.message,
    ).toBe("secret ns/other has no shares for this enclave key");
  });

  it("survives a publish failure: the request leaves the in-flight count and is counted as unsent", async () => {
    const { handler, metrics } = node("a", fakeRedis({}), true);
    handler.accept(relayRequest(METHOD_CAPABILITY_EXECUTE, capParams("echo", "")));
    await waitFor(() => handler.inFlight === 0, { description: "request settled" });
    expect((await metrics.render()).body).toMatch(
      /gatehouse_relay_node_requests_total\{method="confidential.capability.execute",outcome="unsent"\} 1/,
    );
  });

  it("acknowledges probes without work, refuses foreign reply subjects and bounds work in flight", () => {
    const { handler, published } = node("a");
    expect(handler.accept(create(RelayRequestSchema, { probe: true, gatewayId: "gw" })).nodeAddress).toMatch(/^0x/);
    const foreign = relayRequest(METHOD_CAPABILITY_EXECUTE, {}, { replySubject: "t.mining.share.accepted" });
    expect(() => handler.accept(foreign)).toThrow(RequestRefusedError);
    expect(() => handler.accept(foreign)).toThrow("reply_subject is not the gateway's response subject");
    const slow = relayRequest(METHOD_CAPABILITY_EXECUTE, capParams("echo", ""));
    handler.accept(slow);
    handler.accept(slow);
    expect(() => handler.accept(slow)).toThrow(RequestRefusedError);
    expect(() => handler.accept(slow)).toThrow("node overloaded: 2 requests in flight");
    expect(published).toHaveLength(0);
  });
});
