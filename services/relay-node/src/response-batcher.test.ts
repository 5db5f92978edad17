import { addressFromPrivateKey, devKey, recoverPersonalSigner, responseBatchSigningPayload, responseEntryDigest } from "@gatehouse/relay";
import { EndOfTurn } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { ResponseBatcher, type SignedResponseInit } from "./response-batcher.js";

const key = devKey("batcher");
const address = addressFromPrivateKey(key);

function batcher(maxBatch?: number, failing = false) {
  const published: Array<{ subject: string; batch: SignedResponseInit }> = [];
  const responses = new ResponseBatcher({
    identity: { key, address },
    now: () => 1_700_000_000_000,
    turnEnd: new EndOfTurn(() => {}),
    ...(maxBatch ? { maxBatch } : {}),
    publish: (subject, batch) => {
      if (failing) throw new Error("bus closed");
      published.push({ subject, batch });
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

/** Checks a published batch the way the gateway does: the node signed the digests of its entries. */
function verifies(batch: SignedResponseInit): boolean {
  const digests = (batch.responses ?? []).map((r) => responseEntryDigest(r.requestKey as string, r.response as Uint8Array));
  const payload = responseBatchSigningPayload({ gatewayId: batch.gatewayId as string, nodeAddress: address }, digests);
  return recoverPersonalSigner(payload, batch.signature as Uint8Array) === address;
}

const keysOf = (p: { batch: SignedResponseInit }) => (p.batch.responses ?? []).map((r) => r.requestKey);

describe("ResponseBatcher", () => {
  it("sends the responses of one turn for one gateway as one signed batch", async () => {
    const { responses, published } = batcher();
    await Promise.all(["k1", "k2", "k3"].map((k) => responses.send(ready("gw", k))));
    expect(published.map(keysOf)).toEqual([["k1", "k2", "k3"]]);
    expect(published[0]?.subject).toBe("t.relay.gateway.gw.response");
    expect(published[0]?.batch.responses?.[1]?.response).toEqual(Buffer.from('{"id":"k2"}'));
    expect(verifies(published[0]?.batch as SignedResponseInit)).toBe(true);
  });

  it("keeps gateways apart and a later turn in a batch of its own", async () => {
    const { responses, published } = batcher();
    await Promise.all([responses.send(ready("gw-a", "a1")), responses.send(ready("gw-b", "b1")), responses.send(ready("gw-a", "a2"))]);
    await responses.send(ready("gw-a", "a3"));
    expect(published.map(keysOf)).toEqual([["a1", "a2"], ["b1"], ["a3"]]);
    expect(published.map((p) => p.subject)).toEqual([
      "t.relay.gateway.gw-a.response",
      "t.relay.gateway.gw-b.response",
      "t.relay.gateway.gw-a.response",
    ]);
    expect(published.every((p) => verifies(p.batch))).toBe(true);
  });

  it("closes a batch at maxBatch responses", async () => {
    const { responses, published } = batcher(2);
    await Promise.all(["k1", "k2", "k3", "k4", "k5"].map((k) => responses.send(ready("gw", k))));
    expect(published.map(keysOf)).toEqual([["k1", "k2"], ["k3", "k4"], ["k5"]]);
    expect(published.every((p) => verifies(p.batch))).toBe(true);
  });

  it("fails every response of a batch that cannot be published", async () => {
    const { responses } = batcher(undefined, true);
    const results = await Promise.allSettled(["k1", "k2"].map((k) => responses.send(ready("gw", k))));
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });
});
