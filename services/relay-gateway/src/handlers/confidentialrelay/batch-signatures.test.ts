import { create } from "@bufbuild/protobuf";
import { type SignedRelayResponse, SignedRelayResponseSchema } from "@gatehouse/proto/relay/v1";
import { addressFromPrivateKey, devKey, responseBatchSigningPayload, responseEntryDigest, signPersonal } from "@gatehouse/relay";
import { describe, expect, it } from "@jest/globals";
import { BatchSignatures } from "./batch-signatures.js";

const key = devKey("batch-node");
const node = addressFromPrivateKey(key);
const other = addressFromPrivateKey(devKey("batch-other"));

function batch(entries: Array<[string, string]>, gatewayId = "gw"): SignedRelayResponse[] {
  const bodies = entries.map(([, text]) => Buffer.from(text));
  const digests = entries.map(([k], i) => responseEntryDigest(k, bodies[i] as Buffer));
  const signature = signPersonal(key, responseBatchSigningPayload({ gatewayId, nodeAddress: node }, digests));
  return entries.map(([requestKey], batchIndex) =>
    create(SignedRelayResponseSchema, {
      requestKey,
      gatewayId,
      nodeAddress: node,
      response: bodies[batchIndex] as Buffer,
      signature,
      batchEntryDigests: digests,
      batchIndex,
    }),
  );
}

describe("BatchSignatures", () => {
  it("accepts every response of a signed batch, for its signer only", () => {
    const checks = new BatchSignatures("gw", 16);
    const messages = batch([
      ["k1", "one"],
      ["k2", "two"],
    ]);
    for (const m of messages) expect(checks.signedBy(node, m)).toBe(true);
    expect(checks.signedBy(other, messages[0] as SignedRelayResponse)).toBe(false);
    expect(new BatchSignatures("gw-2", 16).signedBy(node, messages[0] as SignedRelayResponse)).toBe(false);
  });

  it("never lets a remembered verdict cover another list, request key or body", () => {
    const checks = new BatchSignatures("gw", 16);
    const [m] = batch([["k1", "one"]]) as [SignedRelayResponse];
    expect(checks.signedBy(node, m)).toBe(true);
    const body = Buffer.from("evil");
    const digest = responseEntryDigest("k9", body);
    expect(checks.signedBy(node, { ...m, requestKey: "k9" })).toBe(false);
    expect(checks.signedBy(node, { ...m, response: body })).toBe(false);
    expect(checks.signedBy(node, { ...m, requestKey: "k9", response: body, batchEntryDigests: [digest] })).toBe(false);
    expect(
      checks.signedBy(node, { ...m, requestKey: "k9", response: body, batchEntryDigests: [...m.batchEntryDigests, digest], batchIndex: 1 }),
    ).toBe(false);
    expect(checks.signedBy(node, { ...m, signature: new Uint8Array(65) })).toBe(false);
    expect(checks.signedBy(node, m)).toBe(true);
  });

  it("stays correct once it forgets verdicts beyond its capacity", () => {
    const checks = new BatchSignatures("gw", 1);
    const [a] = batch([["a", "1"]]) as [SignedRelayResponse];
    const [b] = batch([["b", "2"]]) as [SignedRelayResponse];
    for (let i = 0; i < 3; i++) {
      expect(checks.signedBy(node, a)).toBe(true);
      expect(checks.signedBy(node, b)).toBe(true);
      expect(checks.signedBy(node, { ...a, signature: b.signature })).toBe(false);
    }
  });
});
