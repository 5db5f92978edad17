import { create } from "@bufbuild/protobuf";
import { type RelayResponse, type SignedRelayResponse, SignedRelayResponseSchema } from "@gatehouse/proto/relay/v1";
import {
  addressFromPrivateKey,
  canonicalJson,
  ErrorCode,
  type JsonRpcId,
  type JsonRpcRequest,
  type JsonRpcResponse,
  METHOD_CAPABILITY_EXECUTE,
  METHOD_SECRETS_GET,
  responseBatchSigningPayload,
  responseDigest,
  responseEntryDigest,
  signPersonal,
} from "@gatehouse/relay";
import { createLogger, ManualClock, Metrics } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import type { DonMember } from "../../config/config.js";
import { relayMetrics } from "../../metrics.js";
import { Callback, type UserCallbackPayload } from "../common/callback.js";
import { type Don, HandlerRejectedError, type RelayRequestInit, UnknownNodeError } from "../handler.js";
import { aggregate, type Candidate } from "./aggregator.js";
import { ConfidentialRelayHandler, type ConfidentialRelayOptions } from "./handler.js";

const GATEWAY = "gw-test";
const key = (i: number) => Uint8Array.from(Buffer.alloc(32, i + 1));
const nodes = Array.from({ length: 7 }, (_, i) => ({ name: `n${i}`, key: key(i), address: addressFromPrivateKey(key(i)) }));
const outsider = { key: Uint8Array.from(Buffer.alloc(32, 99)), address: addressFromPrivateKey(Uint8Array.from(Buffer.alloc(32, 99))) };

/** A DON transport that records sends and lets each test decide their fate. */
class FakeDon implements Don {
  readonly sent: Array<{ member: DonMember; request: RelayRequestInit }> = [];
  fail = new Set<string>();
  fanOut(members: readonly DonMember[], request: RelayRequestInit): Promise<void>[] {
    return members.map((member) => this.sendToNode(member, request));
  }
  sendToNode(member: DonMember, request: RelayRequestInit): Promise<void> {
    this.sent.push({ member, request });
    return this.fail.has(member.name) ? Promise.reject(new Error(`send to ${member.name} failed`)) : Promise.resolve();
  }
}

function setup(overrides: Partial<ConfidentialRelayOptions> & { n?: number; f?: number } = {}) {
  const n = overrides.n ?? 4;
  const f = overrides.f ?? 1;
  const clock = new ManualClock();
  const transport = (overrides.transport as FakeDon | undefined) ?? new FakeDon();
  const metrics = new Metrics("relay-gateway");
  const members = nodes.slice(0, n).map(({ name, address }) => ({ name, address }));
  const handler = new ConfidentialRelayHandler({
    gatewayId: GATEWAY,
    responseSubject: "t.relay.gateway.gw-test.response",
    don: { don_id: "relay", f, quorum_type: "f_plus_one", members },
    quorum: f + 1,
    requestTimeoutMs: 30_000,
    nodeSendTimeoutMs: 1_000,
    sweepIntervalMs: 1_000,
    maxActiveRequests: 1_000,
    maxActiveRequestsPerSender: 1_000,
    nodeRateLimit: { rps: 1_000, burst: 1_000 },
    globalNodeRateLimit: { rps: 10_000, burst: 10_000 },
    clock,
    logger: createLogger({ service: "relay-gateway", instanceId: "test", level: "fatal" }),
    metrics: relayMetrics(metrics),
    ...overrides,
    transport,
  });
  return { handler, clock, transport: transport as FakeDon, metrics };
}

function request(id: string, method = METHOD_SECRETS_GET, clientId: JsonRpcId = id): JsonRpcRequest {
  return { jsonrpc: "2.0", id, clientId, method, params: { workflow_id: "wf" } };
}

function submit(handler: ConfidentialRelayHandler, id: string, sender = "alice", method = METHOD_SECRETS_GET) {
  const callback = new Callback();
  const answers: UserCallbackPayload[] = [];
  void callback.wait().then((p) => p && answers.push(p));
  handler.handleUserMessage(request(id, method), sender, callback);
  return { callback, answers };
}

function keyOf(transport: FakeDon, id: string, sender = "alice"): string {
  const sent = transport.sent.find((s) => s.request.jsonrpcId === id && s.request.sender === sender);
  if (!sent?.request.requestKey) throw new Error(`no request ${id} was sent`);
  return sent.request.requestKey;
}

function answer(id: string, result: unknown, method = METHOD_SECRETS_GET): JsonRpcResponse {
  return { jsonrpc: "2.0", id, method, result };
}

type SignOptions = { signer?: Uint8Array; signature?: Uint8Array; gatewayId?: string; signedForGateway?: string };

/** One node's responses as one signed batch, as a relay node publishes them. */
function signedBatch(
  node: { address: string; key: Uint8Array },
  entries: Array<[requestKey: string, response: JsonRpcResponse]>,
  options: SignOptions = {},
): SignedRelayResponse {
  const responses = entries.map(([requestKey, response]) => ({ requestKey, response: Buffer.from(JSON.stringify(response)) }));
  const digests = responses.map((r) => responseEntryDigest(r.requestKey, r.response));
  const payload = responseBatchSigningPayload({ gatewayId: options.signedForGateway ?? GATEWAY, nodeAddress: node.address }, digests);
  return create(SignedRelayResponseSchema, {
    gatewayId: options.gatewayId ?? GATEWAY,
    nodeAddress: node.address,
    signature: options.signature ?? signPersonal(options.signer ?? node.key, payload),
    responses,
  });
}

function signed(
  node: { address: string; key: Uint8Array },
  requestKey: string,
  response: JsonRpcResponse,
  options: SignOptions = {},
): SignedRelayResponse {
  return signedBatch(node, [[requestKey, response]], options);
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const body = (p: UserCallbackPayload | undefined) => JSON.parse(p?.rawResponse ?? "null");

describe("ConfidentialRelayHandler: ids and release after registration", () => {
  it("answers a numeric id with the number, while the nodes saw and digested its text", async () => {
    const { handler, transport } = setup();
    const callback = new Callback();
    handler.handleUserMessage(request("7", METHOD_SECRETS_GET, 7), "alice", callback);
    const k = keyOf(transport, "7");
    for (const node of nodes.slice(0, 2)) handler.handleNodeMessage(signed(node, k, answer("7", "ok")));
    const answered = JSON.parse((await callback.wait())?.rawResponse ?? "null");
    expect(answered).toEqual({ jsonrpc: "2.0", id: 7, method: METHOD_SECRETS_GET, result: "ok" });
  });

  it("a fan-out that throws answers -32603 and releases the request: the id is free at once", async () => {
    const transport = new FakeDon();
    const { handler } = setup({ transport });
    const fanOut = transport.fanOut.bind(transport);
    transport.fanOut = () => {
      throw new RangeError("Maximum call stack size exceeded");
    };
    const failed = submit(handler, "x");
    await settle();
    expect(body(failed.answers[0]).error).toEqual({ code: -32603, message: "failed to forward user request to nodes", data: null });
    expect(handler.activeCount).toBe(0);
    transport.fanOut = fanOut;
    expect(() => submit(handler, "x")).not.toThrow();
    expect(handler.activeCount).toBe(1);
  });

  it("params that cannot be encoded fail before anything is registered", () => {
    const { handler, transport } = setup();
    const unencodable = { ...request("b"), params: { n: 1n } };
    expect(() => handler.handleUserMessage(unencodable, "alice", new Callback())).toThrow(TypeError);
    expect(handler.activeCount).toBe(0);
    expect(transport.sent).toHaveLength(0);
  });
});

describe("ConfidentialRelayHandler: intake (behaviours 3-5, 31)", () => {
  it("lists its methods in reference order (4)", () => {
    expect(setup().handler.methods()).toEqual([METHOD_SECRETS_GET, METHOD_CAPABILITY_EXECUTE]);
  });

  it("rejects empty and over-long ids without creating state (3, 31)", () => {
    const { handler, transport } = setup();
    expect(() => handler.handleUserMessage(request(""), "alice", new Callback())).toThrow(HandlerRejectedError);
    expect(() => handler.handleUserMessage(request(""), "alice", new Callback())).toThrow("request ID cannot be empty");
    expect(() => handler.handleUserMessage(request("x".repeat(201)), "alice", new Callback())).toThrow(
      "request ID is too long: 201. max is 200 characters",
    );
    expect(handler.activeCount).toBe(0);
    expect(transport.sent).toHaveLength(0);
  });

  it("rejects a duplicate id while active, leaves the first alone, and frees the id on completion (5)", async () => {
    const { handler, transport } = setup();
    const first = submit(handler, "dup");
    expect(() => handler.handleUserMessage(request("dup"), "alice", new Callback())).toThrow("request ID already exists: dup");
    expect(handler.activeCount).toBe(1);
    const k = keyOf(transport, "dup");
    handler.handleNodeMessage(signed(nodes[0] as (typeof nodes)[0], k, answer("dup", { ok: 1 })));
    handler.handleNodeMessage(signed(nodes[1] as (typeof nodes)[0], k, answer("dup", { ok: 1 })));
    await settle();
    expect(first.answers).toHaveLength(1);
    expect(first.answers[0]?.errorCode).toBe(ErrorCode.NoError);
    expect(() => submit(handler, "dup")).not.toThrow();
  });

  it("scopes ids per sender: the same id from two senders is served to each", async () => {
    const { handler, transport } = setup();
    const alice = submit(handler, "shared", "alice");
    const bob = submit(handler, "shared", "bob");
    for (const [sender, value] of [
      ["alice", "A"],
      ["bob", "B"],
    ] as const) {
      const k = keyOf(transport, "shared", sender);
      for (const node of nodes.slice(0, 2)) handler.handleNodeMessage(signed(node, k, answer("shared", value)));
    }
    await settle();
    expect(body(alice.answers[0]).result).toBe("A");
    expect(body(bob.answers[0]).result).toBe("B");
  });
});

describe("ConfidentialRelayHandler: fan-out (behaviours 6, 8)", () => {
  it("sends the request to every member, concurrently (barrier)", async () => {
    let started = 0;
    let release: () => void = () => {};
    const barrier = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Each send returns only once every send has started: a sequential fan-out would never finish.
    const transport = new FakeDon();
    transport.sendToNode = (member, req) => {
      transport.sent.push({ member, request: req });
      started += 1;
      if (started === 4) release();
      return barrier;
    };
    const { handler } = setup({ transport });
    const t0 = Date.now();
    submit(handler, "b1");
    await Promise.race([barrier, new Promise((_, reject) => setTimeout(() => reject(new Error("fan-out is not concurrent")), 100))]);
    expect(Date.now() - t0).toBeLessThan(100);
    expect(transport.sent.map((s) => s.member.name)).toEqual(["n0", "n1", "n2", "n3"]);
    expect(transport.sent.every((s) => s.request.method === METHOD_SECRETS_GET && s.request.gatewayId === GATEWAY)).toBe(true);
    expect(JSON.parse(Buffer.from(transport.sent[0]?.request.params as Uint8Array).toString())).toEqual({ workflow_id: "wf" });
  });

  it("waits while N − failures ≥ F+1 and fails at once below (2 of 4 pending, 3 of 4 FatalError)", async () => {
    const { handler, transport } = setup();
    transport.fail = new Set(["n0", "n1"]);
    const pending = submit(handler, "p");
    await settle();
    expect(pending.answers).toHaveLength(0);
    expect(handler.activeCount).toBe(1);

    transport.fail = new Set(["n0", "n1", "n2"]);
    const failed = submit(handler, "q");
    await settle();
    expect(failed.answers[0]?.errorCode).toBe(ErrorCode.FatalError);
    expect(body(failed.answers[0]).error).toEqual({ code: -32603, message: "failed to forward user request to nodes", data: null });
    expect(handler.activeRequests().map((a) => a.request.id)).toEqual(["p"]);
  });

  it("all sends failing gives FatalError", async () => {
    const { handler, transport } = setup();
    transport.fail = new Set(["n0", "n1", "n2", "n3"]);
    const all = submit(handler, "all");
    await settle();
    expect(all.answers[0]?.errorCode).toBe(ErrorCode.FatalError);
    expect(handler.activeCount).toBe(0);
  });

  it("one node down still reaches quorum; F down too", async () => {
    const { handler, transport } = setup({ n: 7, f: 2 });
    transport.fail = new Set(["n5", "n6"]);
    const r = submit(handler, "down");
    await settle();
    const k = keyOf(transport, "down");
    for (const node of nodes.slice(0, 3)) handler.handleNodeMessage(signed(node, k, answer("down", 42)));
    await settle();
    expect(body(r.answers[0]).result).toBe(42);
  });
});

describe("ConfidentialRelayHandler: node responses (behaviours 9-12)", () => {
  it("rejects a non-member sender with an error and no state change (9)", () => {
    const { handler, transport } = setup();
    submit(handler, "nm");
    expect(() => handler.handleNodeMessage(signed(outsider, keyOf(transport, "nm"), answer("nm", 1)))).toThrow(UnknownNodeError);
    expect(() => handler.handleNodeMessage(signed(outsider, keyOf(transport, "nm"), answer("nm", 1)))).toThrow(
      `received message from unexpected node ${outsider.address}`,
    );
    expect(handler.activeRequests()[0]?.responses.size).toBe(0);
  });

  it("drops over-limit responses silently, before the request lookup (10)", async () => {
    const { handler, transport } = setup({ nodeRateLimit: { rps: 0.001, burst: 1 } });
    const first = submit(handler, "r1");
    const second = submit(handler, "r2");
    const n0 = nodes[0] as (typeof nodes)[0];
    handler.handleNodeMessage(signed(n0, keyOf(transport, "r1"), answer("r1", 1)));
    handler.handleNodeMessage(signed(n0, keyOf(transport, "r2"), answer("r2", 1)));
    expect(handler.activeRequests().find((a) => a.request.id === "r1")?.responses.size).toBe(1);
    expect(handler.activeRequests().find((a) => a.request.id === "r2")?.responses.size).toBe(0);
    expect(handler.nodeCounts(n0.address)).toEqual({ received: 1, dropped: 1 });
    await settle();
    expect(first.answers).toHaveLength(0);
    expect(second.answers).toHaveLength(0);
  });

  it("ignores responses for unknown or finished requests (11) and second responses from a node (12)", async () => {
    const { handler, transport } = setup();
    const r = submit(handler, "x");
    const k = keyOf(transport, "x");
    const [n0, n1, n2] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    expect(() => handler.handleNodeMessage(signed(n0, "no-such-key", answer("x", 1)))).not.toThrow();
    handler.handleNodeMessage(signed(n0, k, answer("x", "first")));
    handler.handleNodeMessage(signed(n0, k, answer("x", "second")));
    handler.handleNodeMessage(signed(n1, k, answer("x", "second")));
    await settle();
    expect(r.answers).toHaveLength(0);
    handler.handleNodeMessage(signed(n2, k, answer("x", "first")));
    await settle();
    expect(body(r.answers[0]).result).toBe("first");
    handler.handleNodeMessage(signed(nodes[3] as (typeof nodes)[0], k, answer("x", "first")));
    expect(r.answers).toHaveLength(1);
  });
});

describe("ConfidentialRelayHandler: quorum (behaviours 13-16)", () => {
  it("answers once F+1 identical responses arrive, re-encoded with method (14)", async () => {
    const { handler, transport } = setup();
    const r = submit(handler, "q1");
    const k = keyOf(transport, "q1");
    handler.handleNodeMessage(signed(nodes[0] as (typeof nodes)[0], k, answer("q1", { b: 2, a: 1 })));
    await settle();
    expect(r.answers).toHaveLength(0);
    handler.handleNodeMessage(signed(nodes[1] as (typeof nodes)[0], k, answer("q1", { a: 1, b: 2 })));
    await settle();
    expect(r.answers).toHaveLength(1);
    expect(r.answers[0]?.errorCode).toBe(ErrorCode.NoError);
    expect(body(r.answers[0])).toEqual({ jsonrpc: "2.0", id: "q1", method: METHOD_SECRETS_GET, result: { a: 1, b: 2 } });
    expect(handler.activeCount).toBe(0);
  });

  it("one divergent plus two matching gives the matching answer", async () => {
    const { handler, transport } = setup();
    const r = submit(handler, "d");
    const k = keyOf(transport, "d");
    handler.handleNodeMessage(signed(nodes[0] as (typeof nodes)[0], k, answer("d", "evil")));
    handler.handleNodeMessage(signed(nodes[1] as (typeof nodes)[0], k, answer("d", "good")));
    handler.handleNodeMessage(signed(nodes[2] as (typeof nodes)[0], k, answer("d", "good")));
    await settle();
    expect(body(r.answers[0]).result).toBe("good");
  });

  it("keeps an agreed JSON-RPC error's code and gives it data null", async () => {
    const { handler, transport } = setup();
    const r = submit(handler, "e");
    const k = keyOf(transport, "e");
    const error: JsonRpcResponse = {
      jsonrpc: "2.0",
      id: "e",
      method: METHOD_SECRETS_GET,
      error: { code: -32602, message: "secret not found: main/k" },
    };
    handler.handleNodeMessage(signed(nodes[0] as (typeof nodes)[0], k, error));
    handler.handleNodeMessage(signed(nodes[1] as (typeof nodes)[0], k, error));
    await settle();
    expect(r.answers[0]?.errorCode).toBe(ErrorCode.InvalidParamsError);
    expect(body(r.answers[0]).error).toEqual({ code: -32602, message: "secret not found: main/k", data: null });
  });

  it("waits with 3 different responses of 4 and fails with the 4th (16)", async () => {
    const { handler, transport } = setup();
    const r = submit(handler, "u");
    const k = keyOf(transport, "u");
    for (const [i, value] of ["a", "b", "c"].entries())
      handler.handleNodeMessage(signed(nodes[i] as (typeof nodes)[0], k, answer("u", value)));
    await settle();
    expect(r.answers).toHaveLength(0);
    handler.handleNodeMessage(signed(nodes[3] as (typeof nodes)[0], k, answer("u", "d")));
    await settle();
    expect(r.answers[0]?.errorCode).toBe(ErrorCode.FatalError);
    const b = body(r.answers[0]);
    expect(b.id).toBe("u");
    expect(b.error.message).toBe("quorum unobtainable: requiredQuorum=2, maxShaToCount=1, remainingResponses=0");
    expect(handler.activeCount).toBe(0);
  });

  it("picks the smallest digest, then the smallest address, whatever the arrival order (15)", () => {
    const A = "a".repeat(64);
    const B = "b".repeat(64);
    const base: Array<[string, string]> = [
      ["0x04", B],
      ["0x03", A],
      ["0x02", B],
      ["0x01", A],
    ];
    for (let i = 0; i < 50; i++) {
      const shuffled = [...base].sort(() => Math.random() - 0.5);
      const candidates: Candidate[] = shuffled.map(([node, digest]) => ({ node, digest, signature: "unverified" }));
      expect(aggregate(candidates, 2, 0, () => true)).toEqual({ kind: "quorum", digest: A, node: "0x01" });
    }
  });

  it("checks a response's signature once its digest is one vote from winning, never earlier", () => {
    const A = "a".repeat(64);
    const checked: string[] = [];
    const verify = (node: string) => {
      checked.push(node);
      return node !== "0x09";
    };
    // Quorum 3: one vote is two short, so nothing is checked yet.
    const first: Candidate = { node: "0x01", digest: A, signature: "unverified" };
    expect(aggregate([first], 3, 6, verify)).toEqual({ kind: "insufficient" });
    expect(checked).toEqual([]);
    // Two votes: one short, so both are checked while the third is on its way; a forgery is found now.
    const forged: Candidate = { node: "0x09", digest: A, signature: "unverified" };
    expect(aggregate([first, forged], 3, 5, verify)).toEqual({ kind: "insufficient" });
    expect(checked).toEqual(["0x01", "0x09"]);
    expect([first.signature, forged.signature]).toEqual(["valid", "invalid"]);
    // The vote that completes the quorum is the only check left when it arrives.
    const second: Candidate = { node: "0x02", digest: A, signature: "unverified" };
    const third: Candidate = { node: "0x03", digest: A, signature: "unverified" };
    expect(aggregate([first, forged, second], 3, 4, verify)).toEqual({ kind: "insufficient" });
    checked.length = 0;
    expect(aggregate([first, forged, second, third], 3, 3, verify)).toEqual({ kind: "quorum", digest: A, node: "0x01" });
    expect(checked).toEqual(["0x03"]);
  });
});

describe("ConfidentialRelayHandler: byzantine members", () => {
  it("F forged, divergent or unsigned responses never change the answer", async () => {
    const { handler, transport } = setup({ n: 7, f: 2 });
    const r = submit(handler, "byz");
    const k = keyOf(transport, "byz");
    const forged = answer("byz", "forged");
    const [n0, n1, n2, n3, n4] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    // Three members claim "forged", enough for F+1 = 3, but only n0 really signed it.
    handler.handleNodeMessage(signed(n0, k, forged));
    handler.handleNodeMessage(signed(n1, k, forged, { signer: outsider.key }));
    handler.handleNodeMessage(signed(n2, k, forged, { signature: new Uint8Array(0) }));
    await settle();
    expect(r.answers).toHaveLength(0);
    for (const node of [n3, n4]) handler.handleNodeMessage(signed(node, k, answer("byz", "honest")));
    await settle();
    expect(r.answers).toHaveLength(0);
    handler.handleNodeMessage(signed(nodes[5] as (typeof nodes)[0], k, answer("byz", "honest")));
    await settle();
    expect(body(r.answers[0]).result).toBe("honest");
  });

  it("a signature from a non-member key never counts, nor one bound to another request or gateway", async () => {
    const { handler, transport } = setup();
    const r = submit(handler, "nm");
    const other = submit(handler, "other");
    const k = keyOf(transport, "nm");
    const [n0, n1, n2] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    handler.handleNodeMessage(signed(n0, k, answer("nm", "x"), { signer: outsider.key }));
    // n1's genuine signature, but over the other request's key: replayed into this one.
    const replay = signed(n1, keyOf(transport, "other"), answer("nm", "x"));
    handler.handleNodeMessage({ ...replay, responses: replay.responses.map((r) => ({ ...r, requestKey: k })) });
    await settle();
    expect(r.answers).toHaveLength(0);
    handler.handleNodeMessage(signed(n2, k, answer("nm", "x")));
    handler.handleNodeMessage(signed(nodes[3] as (typeof nodes)[0], k, answer("nm", "x")));
    await settle();
    expect(body(r.answers[0]).result).toBe("x");
    expect(other.answers).toHaveLength(0);
  });

  it("a response signed for another gateway never counts", async () => {
    const { handler, transport } = setup();
    const r = submit(handler, "gw");
    const k = keyOf(transport, "gw");
    handler.handleNodeMessage(signed(nodes[0] as (typeof nodes)[0], k, answer("gw", "x"), { signedForGateway: "gw-other" }));
    handler.handleNodeMessage(signed(nodes[1] as (typeof nodes)[0], k, answer("gw", "x")));
    await settle();
    expect(r.answers).toHaveLength(0);
    handler.handleNodeMessage(signed(nodes[2] as (typeof nodes)[0], k, answer("gw", "x")));
    await settle();
    expect(body(r.answers[0]).result).toBe("x");
  });

  it("an undecodable response counts as received, never as a vote", async () => {
    const { handler, transport } = setup();
    const r = submit(handler, "bad");
    const k = keyOf(transport, "bad");
    const valid = signed(nodes[0] as (typeof nodes)[0], k, answer("bad", 1));
    const garbage = { ...valid, responses: [{ ...(valid.responses[0] as RelayResponse), response: Buffer.from("{not json") }] };
    handler.handleNodeMessage(garbage);
    for (const [i, v] of ["p", "q"].entries()) handler.handleNodeMessage(signed(nodes[i + 1] as (typeof nodes)[0], k, answer("bad", v)));
    await settle();
    expect(r.answers).toHaveLength(0);
    handler.handleNodeMessage(signed(nodes[3] as (typeof nodes)[0], k, answer("bad", "r")));
    await settle();
    expect(body(r.answers[0]).error.message).toContain("quorum unobtainable");
  });
});

describe("ConfidentialRelayHandler: signed batches", () => {
  const [n0, n1, n2, n3] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];

  it("one signature covers a node's responses to several requests", async () => {
    const { handler, transport, metrics } = setup();
    const a = submit(handler, "a");
    const b = submit(handler, "b");
    const entries: Array<[string, JsonRpcResponse]> = [
      [keyOf(transport, "a"), answer("a", "A")],
      [keyOf(transport, "b"), answer("b", "B")],
    ];
    for (const node of [n0, n1]) handler.handleNodeMessage(signedBatch(node, entries));
    await settle();
    expect(body(a.answers[0]).result).toBe("A");
    expect(body(b.answers[0]).result).toBe("B");
    expect((await metrics.render()).body).not.toMatch(/reason="bad_signature"/);
  });

  it("a batch altered in any way loses its signature for every response in it", async () => {
    const { handler, transport, metrics } = setup();
    const r = submit(handler, "v");
    const w = submit(handler, "w");
    const [kv, kw] = [keyOf(transport, "v"), keyOf(transport, "w")];
    const genuine = (node: (typeof nodes)[0]) =>
      signedBatch(node, [
        [kv, answer("v", "V")],
        [kw, answer("w", "W")],
      ]);
    const evil = Buffer.from(JSON.stringify(answer("v", "evil")));
    const [v0, w0] = genuine(n0).responses as [RelayResponse, RelayResponse];
    const [v1, w1] = genuine(n1).responses as [RelayResponse, RelayResponse];
    const [v2] = genuine(n2).responses as [RelayResponse];
    const forgeries: SignedRelayResponse[] = [
      { ...genuine(n0), responses: [{ ...v0, response: evil }, w0] }, // an answer changed
      { ...genuine(n1), responses: [w1, v1] }, // reordered
      { ...genuine(n2), responses: [v2] }, // cut short
    ];
    for (const forged of forgeries) handler.handleNodeMessage(forged);
    await settle();
    // Each forged vote for v is one short of a quorum of 2, so it is checked on arrival: three
    // invalid votes and one member left cannot make a quorum, and v fails before n3 answers.
    expect(body(r.answers[0]).error.message).toBe("quorum unobtainable: requiredQuorum=2, maxShaToCount=0, remainingResponses=1");
    expect(w.answers).toHaveLength(0);
    handler.handleNodeMessage(genuine(n3));
    await settle();
    expect(r.answers).toHaveLength(1);
    // n2's cut batch never answered w, so its genuine answer still can.
    expect(w.answers).toHaveLength(0);
    handler.handleNodeMessage(signed(n2, kw, answer("w", "W")));
    await settle();
    expect(body(w.answers[0]).result).toBe("W");
    // Every forged response was one vote from a quorum when it came, so all five were checked.
    expect((await metrics.render()).body).toMatch(/node_responses_dropped_total\{reason="bad_signature"\} 5/);
  });

  it("drops an empty or oversized batch whole", async () => {
    const { handler, transport, metrics } = setup();
    const r = submit(handler, "m");
    const k = keyOf(transport, "m");
    handler.handleNodeMessage({ ...signed(n0, k, answer("m", 1)), responses: [] });
    handler.handleNodeMessage(
      signedBatch(
        n1,
        Array.from({ length: 33 }, (): [string, JsonRpcResponse] => [k, answer("m", 1)]),
      ),
    );
    expect(handler.nodeCounts(n0.address)).toEqual({ received: 0, dropped: 1 });
    expect(handler.nodeCounts(n1.address)).toEqual({ received: 0, dropped: 1 });
    for (const node of [n2, n3]) handler.handleNodeMessage(signed(node, k, answer("m", 1)));
    await settle();
    expect(body(r.answers[0]).result).toBe(1);
    expect((await metrics.render()).body).toMatch(/node_responses_dropped_total\{reason="malformed"\} 2/);
  });
});

describe("ConfidentialRelayHandler: expiry and completion (behaviours 17, 18, 24)", () => {
  it("expires strictly after the timeout at the next sweep, with a JSON RequestTimeoutError", async () => {
    const { handler, clock, transport } = setup();
    const r = submit(handler, "t");
    handler.handleNodeMessage(signed(nodes[0] as (typeof nodes)[0], keyOf(transport, "t"), answer("t", 1)));
    clock.advance(30_000);
    handler.removeExpiredRequests();
    await settle();
    expect(r.answers).toHaveLength(0);
    clock.advance(1);
    handler.removeExpiredRequests();
    await settle();
    expect(r.answers[0]?.errorCode).toBe(ErrorCode.RequestTimeoutError);
    expect(body(r.answers[0]).error).toEqual({ code: -32000, message: "request expired: got 1/2 responses", data: null });
    expect(handler.activeCount).toBe(0);
  });

  it("answers once: a late quorum after expiry is ignored, and the callback refuses a second send", async () => {
    const { handler, clock, transport, metrics } = setup();
    const r = submit(handler, "once");
    const k = keyOf(transport, "once");
    clock.advance(30_001);
    handler.removeExpiredRequests();
    for (const node of nodes.slice(0, 2)) handler.handleNodeMessage(signed(node, k, answer("once", 1)));
    handler.removeExpiredRequests();
    await settle();
    expect(r.answers).toHaveLength(1);
    expect(() => r.callback.send({ rawResponse: "{}", errorCode: ErrorCode.NoError })).toThrow(
      "response already sent: each callback can only be used once",
    );
    const text = (await metrics.render()).body;
    expect(text).toMatch(/gatehouse_relay_gateway_requests_total\{method="confidential.secrets.get",outcome="timeout"\} 1/);
    expect(text).not.toMatch(/outcome="success"/);
  });

  it("removes the entry even when the answer cannot be delivered", () => {
    const { handler, clock } = setup();
    const callback = new Callback();
    handler.handleUserMessage(request("used"), "alice", callback);
    callback.send({ rawResponse: "{}", errorCode: ErrorCode.NoError });
    clock.advance(30_001);
    handler.removeExpiredRequests();
    expect(handler.activeCount).toBe(0);
  });

  it("close answers every active request and refuses new ones", async () => {
    const { handler } = setup();
    const a = submit(handler, "a");
    const b = submit(handler, "b");
    handler.close("gateway shutting down: request abandoned");
    await settle();
    expect([a, b].map((x) => body(x.answers[0]).error.message)).toEqual([
      "gateway shutting down: request abandoned",
      "gateway shutting down: request abandoned",
    ]);
    expect(() => submit(handler, "c")).toThrow(HandlerRejectedError);
    expect(() => submit(handler, "c")).toThrow("gateway is shutting down");
  });
});

describe("ConfidentialRelayHandler: admission", () => {
  it("bounds a flood of unique ids from one sender and answers the excess with LimitExceeded (429)", async () => {
    const { handler } = setup({ maxActiveRequestsPerSender: 100, maxActiveRequests: 150 });
    const results = Array.from({ length: 5_000 }, (_, i) => submit(handler, `flood-${i}`, "mallory"));
    await settle();
    expect(handler.activeCount).toBe(100);
    const limited = results.filter((r) => r.answers[0]?.errorCode === ErrorCode.LimitExceededError);
    expect(limited).toHaveLength(4_900);
    expect(body(limited[0]?.answers[0]).error.code).toBe(-32002);
    // Another sender still gets in, up to the global cap.
    submit(handler, "honest", "alice");
    expect(handler.activeCount).toBe(101);
    const overGlobal = Array.from({ length: 60 }, (_, i) => submit(handler, `g${i}`, `s${i}`));
    await settle();
    expect(handler.activeCount).toBe(150);
    expect(overGlobal.filter((r) => r.answers[0]?.errorCode === ErrorCode.LimitExceededError)).toHaveLength(11);
  });
});

describe("digests agree with the node's canonical bytes", () => {
  it("a response re-serialised canonically has the same digest", () => {
    const r = answer("z", { y: [1, "two"], x: { b: null, a: true } });
    expect(responseDigest(JSON.parse(canonicalJson(r)))).toBe(responseDigest(r));
  });
});
