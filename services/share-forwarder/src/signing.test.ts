import { InvariantError } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { Webhook } from "standardwebhooks";
import { SigningSecretError } from "./errors.js";
import { WebhookSigner } from "./signing.js";

// Signed here, verified by the independent `standardwebhooks` package (the pool backend's verifier).
const oldSecret = `whsec_${Buffer.alloc(32, 1).toString("base64")}`;
const newSecret = `whsec_${Buffer.alloc(32, 2).toString("base64")}`;
const id = "a".repeat(64);
const body = Buffer.from('{"share_id":"00","difficulty":1}');

function verify(secret: string, payload: Buffer, headers: Record<string, string>): unknown {
  return new Webhook(secret).verify(payload, headers);
}

describe("Standard Webhooks signing", () => {
  it("round-trips through the independent verifier", () => {
    const headers = new WebhookSigner([newSecret]).sign(id, body, Date.now());
    expect(headers["webhook-id"]).toBe(id);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verify(newSecret, body, { ...headers })).toEqual(JSON.parse(body.toString()));
  });

  it("fails when one body byte, the timestamp or the id changes", () => {
    const headers = new WebhookSigner([newSecret]).sign(id, body, Date.now());
    const tampered = Buffer.from(body);
    tampered[5] = (tampered[5] ?? 0) ^ 1;
    expect(() => verify(newSecret, tampered, { ...headers })).toThrow("No matching signature found");
    const earlier = String(Number(headers["webhook-timestamp"]) - 1);
    expect(() => verify(newSecret, body, { ...headers, "webhook-timestamp": earlier })).toThrow("No matching signature found");
    expect(() => verify(newSecret, body, { ...headers, "webhook-id": "b".repeat(64) })).toThrow("No matching signature found");
  });

  it("is refused once the timestamp is more than 300 s old, accepted just inside", () => {
    const signer = new WebhookSigner([newSecret]);
    expect(() => verify(newSecret, body, { ...signer.sign(id, body, Date.now() - 301_000) })).toThrow("Message timestamp too old");
    expect(verify(newSecret, body, { ...signer.sign(id, body, Date.now() - 290_000) })).toBeTruthy();
  });

  it("signs with every secret during a rotation: a receiver holding either one verifies", () => {
    const headers = new WebhookSigner([newSecret, oldSecret]).sign(id, body, Date.now());
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(verify(oldSecret, body, { ...headers })).toBeTruthy();
    expect(verify(newSecret, body, { ...headers })).toBeTruthy();
    const third = `whsec_${Buffer.alloc(32, 3).toString("base64")}`;
    expect(() => verify(third, body, { ...headers })).toThrow("No matching signature found");
  });

  it("never shows its keys when logged", () => {
    const signer = new WebhookSigner([newSecret]);
    const key = newSecret.slice("whsec_".length);
    expect(JSON.stringify({ signer })).not.toContain(key);
    expect(String(Object.keys(signer))).toBe("");
  });

  it("refuses ids with a dot and secrets without the whsec_ prefix", () => {
    expect(() => new WebhookSigner([newSecret]).sign("a.b", body, Date.now())).toThrow(InvariantError);
    expect(() => new WebhookSigner([newSecret]).sign("a.b", body, Date.now())).toThrow("must not contain '.'");
    expect(() => new WebhookSigner(["plain"])).toThrow(SigningSecretError);
    expect(() => new WebhookSigner(["plain"])).toThrow("whsec_");
    expect(() => new WebhookSigner([])).toThrow(SigningSecretError);
    expect(() => new WebhookSigner([])).toThrow("at least one");
  });
});
