import { addressFromPrivateKey, devKey, recoverPersonalSigner, responseBatchSigningPayload, responseEntryDigest } from "@gatehouse/relay";
import { describe, expect, it } from "@jest/globals";
import { ResponseBatcher, type SignedResponseInit } from "./response-batcher.js";

const key = devKey("batcher");
const address = addressFromPrivateKey(key);

function batcher(maxBatch?: number, failFor?: string) {
  const published: Array<{ subject: string; response: SignedResponseInit }> = [];
  const responses = new ResponseBatcher({
    identity: { key, address },
    now: () => 1_700_000_000_000,
    ...(maxBatch ? { maxBatch } : {}),
    publish: (subject, response) => {
      if (response.requestKey === failFor) throw new Error("bus closed");
      published.push({ subject, response });
    },
  });
  return { responses, published };
}

const ready = (gatewayId: string, requestKey: string) => ({
  gatewayId,
  replySubject: `t.relay.gateway.${gatewayId}.response`,
  requestKey,
  response: Buffer.from(`{"id":"${requestKey}"}`),
});

/** Checks a published response the way the gateway does: its digest is in the batch, the batch is signed by the node. */
function verifies(response: SignedResponseInit): boolean {
  const digests = response.batchEntryDigests as Uint8Array[];
  const own = responseEntryDigest(response.requestKey as string, response.response as Uint8Array);
  if (!Buffer.from(own).equals(digests[response.batchIndex as number] as Uint8Array)) return false;
  const payload = responseBatchSigningPayload({ gatewayId: response.gatewayId as string, nodeAddress: address }, digests);
  return recoverPersonalSigner(payload, response.signature as Uint8Array) === address;
}

const signatureOf = (p: { response: SignedResponseInit }) => Buffer.from(p.response.signature as Uint8Array).toString("hex");

describe("ResponseBatcher", () => {
  it("signs the responses of one turn for one gateway once, each verifiable on its own", async () => {
    const { responses, published } = batcher();
    await Promise.all(["k1", "k2", "k3"].map((k) => responses.send(ready("gw", k))));
    expect(published.map((p) => p.response.requestKey)).toEqual(["k1", "k2", "k3"]);
    expect(new Set(published.map(signatureOf)).size).toBe(1);
    expect(published.map((p) => p.response.batchIndex)).toEqual([0, 1, 2]);
    expect(published.every((p) => verifies(p.response))).toBe(true);
    expect(published[0]?.subject).toBe("t.relay.gateway.gw.response");
  });

  it("keeps gateways apart and a later turn in a batch of its own", async () => {
    const { responses, published } = batcher();
    await Promise.all([responses.send(ready("gw-a", "a1")), responses.send(ready("gw-b", "b1")), responses.send(ready("gw-a", "a2"))]);
    await responses.send(ready("gw-a", "a3"));
    const byKey = new Map(published.map((p) => [p.response.requestKey, p]));
    expect(byKey.get("a1")?.response.batchEntryDigests).toHaveLength(2);
    expect(byKey.get("b1")?.response.batchEntryDigests).toHaveLength(1);
    expect(byKey.get("a3")?.response.batchEntryDigests).toHaveLength(1);
    expect(new Set(published.map(signatureOf)).size).toBe(3);
    expect(published.every((p) => verifies(p.response))).toBe(true);
  });

  it("closes a batch at maxBatch responses", async () => {
    const { responses, published } = batcher(2);
    await Promise.all(["k1", "k2", "k3", "k4", "k5"].map((k) => responses.send(ready("gw", k))));
    expect(published.map((p) => p.response.batchEntryDigests?.length)).toEqual([2, 2, 2, 2, 1]);
    expect(new Set(published.map(signatureOf)).size).toBe(3);
    expect(published.every((p) => verifies(p.response))).toBe(true);
  });

  it("a response that cannot be published fails alone", async () => {
    const { responses, published } = batcher(undefined, "k2");
    const results = await Promise.allSettled(["k1", "k2", "k3"].map((k) => responses.send(ready("gw", k))));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(published.map((p) => p.response.requestKey)).toEqual(["k1", "k3"]);
  });
});
