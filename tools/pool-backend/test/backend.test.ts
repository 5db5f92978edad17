// The reference pool backend over real HTTP: signatures checked by the standardwebhooks package,
// idempotent webhook-ids, the share's proof of work recomputed, and the fault controls.
import { randomBytes } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { ShareAcceptedSchema } from "@gatehouse/proto/mining/v1";
import { submissionBody } from "@gatehouse/shares";
import { exampleShare, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Webhook } from "standardwebhooks";
import { startAdmin } from "../src/admin.js";
import { PoolBackend } from "../src/backend.js";

const secret = `whsec_${randomBytes(32).toString("base64")}`;
let backend: PoolBackend;

function body(n: number, overrides: Record<string, unknown> = {}) {
  const share = create(ShareAcceptedSchema, exampleShare(n, { run: "pool-backend-test" }));
  return { id: share.eventId, json: JSON.stringify({ ...JSON.parse(submissionBody(share).toString("utf8")), ...overrides }) };
}

async function post(id: string, json: string, options: { at?: Date; key?: string } = {}) {
  const at = options.at ?? new Date();
  const res = await fetch(backend.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": new Webhook(options.key ?? secret).sign(id, at, json),
    },
    body: json,
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined };
}

beforeAll(async () => {
  backend = await PoolBackend.start({ secret });
});

afterAll(async () => {
  await backend.close();
});

describe("pool backend", () => {
  it("accepts a valid signed share, stores it, and answers its repeated webhook-id as already accepted", async () => {
    const { id, json } = body(1);
    expect(await post(id, json)).toEqual({ status: 200, body: { accepted: true } });
    expect(await post(id, json)).toEqual({ status: 200, body: { accepted: true, duplicate: true } });
    expect(backend.acceptedShares().get(id)?.event_id).toBe(id);
    expect(backend.stats()).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(backend.delivery(id)).toEqual({ accepted: true, deliveries: 2 });
    expect(backend.delivery("00".repeat(32))).toBeUndefined();
  });

  it("refuses a wrong signature, a tampered body and a timestamp older than 300 s", async () => {
    const { id, json } = body(2);
    const other = `whsec_${randomBytes(32).toString("base64")}`;
    expect((await post(id, json, { key: other })).status).toBe(401);
    const at = new Date();
    const res = await fetch(backend.url, {
      method: "POST",
      headers: {
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": new Webhook(secret).sign(id, at, json),
      },
      body: json.replace('"fee_tier":"mid"', '"fee_tier":"mie"'),
    });
    expect(res.status).toBe(401);
    expect((await post(id, json, { at: new Date(Date.now() - 301_000) })).status).toBe(401);
    expect(backend.acceptedShares().has(id)).toBe(false);
  });

  it("recomputes the hash: a claimed difficulty the header does not meet, or a wrong share_id, is rejected", async () => {
    const hard = body(3, { difficulty: 1e15 });
    expect(await post(hard.id, hard.json)).toEqual({ status: 200, body: { accepted: false, reason: "difficulty_below_target" } });
    const wrong = body(4, { share_id: "0".repeat(64) });
    expect(await post(wrong.id, wrong.json)).toEqual({ status: 200, body: { accepted: false, reason: "share_id_mismatch" } });
    const bad = body(5, { nonce: -1 });
    expect((await post(bad.id, bad.json)).status).toBe(400);
    const mismatched = body(6);
    expect((await post("f".repeat(64), mismatched.json)).status).toBe(400);
  });

  it("fails, rejects, answers malformed bodies and goes away on command", async () => {
    const { id, json } = body(7);
    backend.setFault({ kind: "fail", status: 503, retryAfterS: 2 });
    const failed = await fetch(backend.url, { method: "POST", body: json });
    expect(failed.status).toBe(503);
    expect(failed.headers.get("retry-after")).toBe("2");
    backend.setFault({ kind: "reject", reason: "pool closed" });
    expect(await post(id, json)).toEqual({ status: 200, body: { accepted: false, reason: "pool closed" } });
    backend.setFault({ kind: "malformed" });
    const next = body(8);
    expect((await post(next.id, next.json)).body).toBeUndefined();
    // Late: the share is decided and remembered before the delayed answer goes out.
    const late = body(9);
    backend.setFault({ kind: "late", delayMs: 300 });
    const answered = post(late.id, late.json);
    await waitFor(() => backend.delivery(late.id), { description: "the late share remembered before its answer" });
    expect(backend.stats()).toMatchObject({ inFlight: 1, heldAnswers: 1 });
    expect(await answered).toEqual({ status: 200, body: { accepted: true } });
    expect(backend.stats().heldAnswers).toBe(0);
    backend.setFault({ kind: "none" });
    await backend.goAway();
    await expect(fetch(backend.url, { method: "POST", body: "{}" })).rejects.toThrow();
    await backend.comeBack();
    expect((await post(next.id, next.json)).status).toBe(200);
  });

  it("takes the same controls over its admin HTTP API, refusing malformed ones", async () => {
    const admin = await startAdmin(backend, "127.0.0.1", 0);
    try {
      const call = async (path: string, payload?: unknown) => {
        const res = await fetch(`${admin.url}${path}`, payload === undefined ? {} : { method: "POST", body: JSON.stringify(payload) });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      expect(await call("/fault", { kind: "fail", status: 502 })).toEqual({ status: 200, body: { fault: { kind: "fail", status: 502 } } });
      expect((await fetch(backend.url, { method: "POST", body: "{}" })).status).toBe(502);
      expect((await call("/fault", { kind: "fail", status: 200 })).status).toBe(400);
      expect((await call("/fault", { kind: "explode" })).status).toBe(400);
      expect(await call("/fault", { kind: "none" })).toEqual({ status: 200, body: { fault: { kind: "none" } } });
      expect((await call("/stats")).body).toMatchObject({ faulted: expect.any(Number), accepted: expect.any(Number) });
      const { id } = body(1);
      expect(await call(`/shares/${id}`)).toEqual({ status: 200, body: { event_id: id, accepted: true, deliveries: 2 } });
      expect((await call(`/shares/${"ab".repeat(32)}`)).status).toBe(404);
      expect((await call("/shares/not-an-id")).status).toBe(404);
      expect(await call("/go-away", { for_ms: 50 })).toEqual({ status: 200, body: { back_in_ms: 50 } });
      expect(backend.listening).toBe(false);
      await waitFor(() => backend.listening, { description: "the backend back after 50 ms" });
    } finally {
      admin.server.close();
    }
  });
});
