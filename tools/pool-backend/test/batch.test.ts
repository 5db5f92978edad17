// The reference pool backend's batch endpoint over real HTTP: one signature over the whole body,
// each share judged and deduplicated by its event_id (across batches and per-share POSTs alike).
import { randomBytes } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { ShareAcceptedSchema } from "@gatehouse/proto/mining/v1";
import { submissionBody } from "@gatehouse/shares";
import { exampleShare } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Webhook } from "standardwebhooks";
import { PoolBackend } from "../src/backend.js";

const secret = `whsec_${randomBytes(32).toString("base64")}`;
let backend: PoolBackend;

function share(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> & { event_id: string } {
  const accepted = create(ShareAcceptedSchema, exampleShare(n, { run: "pool-backend-batch-test" }));
  return { ...JSON.parse(submissionBody(accepted).toString("utf8")), ...overrides };
}

function signed(url: string, id: string, json: string, key = secret) {
  const at = new Date();
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": new Webhook(key).sign(id, at, json),
    },
    body: json,
  });
}

async function postBatch(shares: unknown[], options: { url?: string; key?: string; json?: string } = {}) {
  const json = options.json ?? JSON.stringify({ shares });
  const res = await signed(options.url ?? backend.batchUrl, `batch_${randomBytes(8).toString("hex")}`, json, options.key);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body: body as { results?: Record<string, unknown>[]; error?: string } | string };
}

beforeAll(async () => {
  backend = await PoolBackend.start({ secret });
});

afterAll(async () => {
  await backend.close();
});

describe("pool backend batches", () => {
  it("answers each share of a signed batch by its event_id, stores the accepted, and counts each once", async () => {
    const list = [share(1), share(2), share(3)];
    const answer = await postBatch(list);
    expect(answer).toEqual({ status: 200, body: { results: list.map((s) => ({ event_id: s.event_id, accepted: true })) } });
    for (const s of list) expect(backend.acceptedShares().get(s.event_id)?.share_id).toBe(s.share_id);
    expect(backend.stats()).toMatchObject({ batches: 1, accepted: 3, duplicates: 0 });
  });

  it("deduplicates per share across batches and per-share POSTs: a repeated share gets its first answer", async () => {
    const alone = share(10);
    const json = JSON.stringify(alone);
    expect(await (await signed(backend.url, alone.event_id, json)).json()).toEqual({ accepted: true });
    const before = backend.stats();
    const fresh = share(11);
    const again = await postBatch([alone, fresh, share(1)]);
    expect(again.body).toEqual({
      results: [
        { event_id: alone.event_id, accepted: true, duplicate: true },
        { event_id: fresh.event_id, accepted: true },
        { event_id: share(1).event_id, accepted: true, duplicate: true },
      ],
    });
    expect(backend.stats()).toMatchObject({ accepted: before.accepted + 1, duplicates: before.duplicates + 2 });
    expect(backend.delivery(alone.event_id)).toEqual({ accepted: true, deliveries: 2 });
    expect(backend.delivery(share(1).event_id)).toEqual({ accepted: true, deliveries: 2 });
    // And a share first seen in a batch is a duplicate when POSTed alone.
    expect(await (await signed(backend.url, fresh.event_id, JSON.stringify(fresh))).json()).toEqual({ accepted: true, duplicate: true });
  });

  it("judges each share on its own: a rejection or a malformed share does not affect the others", async () => {
    const good = share(20);
    const hard = share(21, { difficulty: 1e15 });
    const wrong = share(22, { share_id: "0".repeat(64) });
    const bad = share(23, { nonce: -1 });
    const { event_id: _, ...anonymous } = share(24);
    const answer = await postBatch([good, hard, wrong, bad, anonymous]);
    expect(answer.status).toBe(200);
    const results = (answer.body as { results: Record<string, unknown>[] }).results;
    expect(results.slice(0, 3)).toEqual([
      { event_id: good.event_id, accepted: true },
      { event_id: hard.event_id, accepted: false, reason: "difficulty_below_target" },
      { event_id: wrong.event_id, accepted: false, reason: "share_id_mismatch" },
    ]);
    expect(results[3]).toMatchObject({ event_id: bad.event_id, status: 400, error: expect.stringContaining("nonce") });
    expect(results[4]).toMatchObject({ status: 400, error: expect.stringContaining("event_id") });
    expect(results[4]).not.toHaveProperty("event_id");
    expect(backend.delivery(bad.event_id)).toBeUndefined();
  });

  it("verifies one signature over the whole body: another key or one changed byte refuses the batch, nothing stored", async () => {
    const list = [share(30), share(31)];
    const other = `whsec_${randomBytes(32).toString("base64")}`;
    expect((await postBatch(list, { key: other })).status).toBe(401);
    const id = "batch_tampered";
    const at = new Date();
    const json = JSON.stringify({ shares: list });
    const tampered = await fetch(backend.batchUrl, {
      method: "POST",
      headers: {
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": new Webhook(secret).sign(id, at, json),
      },
      body: json.replace('"fee_tier":"mid"', '"fee_tier":"mie"'),
    });
    expect(tampered.status).toBe(401);
    for (const s of list) expect(backend.delivery(s.event_id)).toBeUndefined();
  });

  it("refuses a body that is not a batch, too many shares, and a body over its limit", async () => {
    expect((await postBatch([], { json: JSON.stringify([share(40)]) })).status).toBe(400);
    expect((await postBatch([], { json: "not json" })).status).toBe(400);
    expect((await postBatch(Array.from({ length: 1_001 }, () => ({})))).status).toBe(400);
    expect(await postBatch([])).toEqual({ status: 200, body: { results: [] } });
    const small = await PoolBackend.start({ secret, maxBatchBodyBytes: 2_048 });
    try {
      const list = [share(41), share(42), share(43), share(44)];
      expect((await postBatch(list, { url: small.batchUrl })).status).toBe(413);
      expect((await postBatch(list.slice(0, 1), { url: small.batchUrl })).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it("applies the faults to batches: fail, reject each share, malformed answer", async () => {
    backend.setFault({ kind: "fail", status: 503 });
    expect((await postBatch([share(50)])).status).toBe(503);
    backend.setFault({ kind: "reject", reason: "pool closed" });
    expect((await postBatch([share(50), share(51)])).body).toEqual({
      results: [
        { event_id: share(50).event_id, accepted: false, reason: "pool closed" },
        { event_id: share(51).event_id, accepted: false, reason: "pool closed" },
      ],
    });
    backend.setFault({ kind: "malformed" });
    expect(await postBatch([share(52)])).toEqual({ status: 200, body: "ok?" });
    expect(backend.delivery(share(52).event_id)).toBeUndefined();
    backend.setFault({ kind: "none" });
  });
});
