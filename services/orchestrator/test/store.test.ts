// The store ports against both backends, on real servers: deduplicated creation, leases that
// replicas claim disjointly and that fence stale writers, input compaction, the list indexes,
// pruning of finished workflows with their transactions, the signer lock and the nonce, and the
// PostgreSQL migrations.

import { randomUUID } from "node:crypto";
import { createLogger, Redis, systemClock } from "@gatehouse/service";
import { postgresUrl, redisUrl, testNamespace, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import type { Address, Hex } from "viem";
import type { TxRecord } from "../src/chain/tx-record.js";
import type { TxStore } from "../src/chain/tx-store.js";
import type { Transition, WorkflowStore } from "../src/engine/store.js";
import { type EngineEvent, recordAfter, transitionFor } from "../src/engine/transitions.js";
import type { StepResult, WorkflowRecord } from "../src/engine/types.js";
import { StoreOpenError } from "../src/persistence/errors.js";
import { connectPostgres, type Postgres } from "../src/persistence/postgres/connect.js";
import { MIGRATIONS, migrate, SchemaTooNewError } from "../src/persistence/postgres/migrations.js";
import { PostgresTxStore } from "../src/persistence/postgres/tx-store.js";
import { PostgresWorkflowStore } from "../src/persistence/postgres/workflow-store.js";
import { RedisTxStore } from "../src/persistence/redis/tx-store.js";
import { RedisWorkflowStore } from "../src/persistence/redis/workflow-store.js";

const ns = testNamespace("orchstore");
const logger = createLogger({ level: "silent", service: "orchestrator-store-test", instanceId: "test" });
let redis: Redis;
let postgres: Postgres;
let admin: pg.Pool;

beforeAll(async () => {
  admin = new pg.Pool({ connectionString: postgresUrl(), max: 2 });
  redis = new Redis(redisUrl(), { keyPrefix: ns.redisPrefix, maxRetriesPerRequest: 2 });
  postgres = await connectPostgres({ url: postgresUrl(), schema: ns.postgresSchema, poolSize: 8, statementTimeoutMs: 5_000 }, logger);
});

afterAll(async () => {
  await postgres.close();
  await admin.query(`DROP SCHEMA IF EXISTS "${ns.postgresSchema}" CASCADE`);
  await admin.query(`DROP SCHEMA IF EXISTS "${ns.postgresSchema}_m" CASCADE`);
  await admin.end();
  const plain = new Redis(redisUrl(), { maxRetriesPerRequest: 2 });
  const keys = await plain.keys(`${ns.redisPrefix}*`);
  if (keys.length > 0) await plain.del(...keys);
  plain.disconnect();
  redis.disconnect();
});

const STUDIO = "0xAbCdEf0000000000000000000000000000000001";

function record(overrides: Partial<WorkflowRecord> = {}): WorkflowRecord {
  const now = Date.now();
  return {
    id: randomUUID(),
    type: "WorkSubmission",
    state: "CREATED",
    step: "COMPUTE_DKG",
    attempts: 0,
    createdAt: now,
    updatedAt: now,
    input: {
      studio_address: STUDIO,
      epoch: 1,
      agent_address: STUDIO,
      data_hash: `0x${"11".repeat(32)}`,
      evidence_content: Buffer.alloc(1024, 7).toString("base64"),
      signer_address: STUDIO,
    },
    progress: {},
    signer: STUDIO.toLowerCase(),
    studio: STUDIO,
    leaseToken: 0,
    ...overrides,
  };
}

function signed(key: string, nonce: number): TxRecord {
  return {
    key,
    signer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Address,
    nonce,
    to: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address,
    data: "0x1234" as Hex,
    gas: 21_000n,
    maxFeePerGas: 2_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
    raw: "0x02f8" as Hex,
    hashes: [`0x${String(nonce).padStart(64, "0")}` as Hex],
    sentAt: 0,
    status: "signed",
  };
}

const backends: Array<[string, () => { workflows: WorkflowStore; transactions: TxStore }]> = [
  ["postgres", () => ({ workflows: new PostgresWorkflowStore(postgres, systemClock), transactions: new PostgresTxStore(postgres) })],
  ["redis", () => ({ workflows: new RedisWorkflowStore(redis, ns.redisPrefix), transactions: new RedisTxStore(redis) })],
];

describe.each(backends)("%s store", (_name, make) => {
  let workflows: WorkflowStore;
  let transactions: TxStore;
  beforeAll(() => {
    ({ workflows, transactions } = make());
  });

  it("creates once per Idempotency-Key (another body conflicts) and per natural key unless the earlier one FAILED", async () => {
    const key = randomUUID();
    const first = record();
    expect(await workflows.create({ record: first, idempotencyKey: key, fingerprint: "a", idempotencyTtlSeconds: 60 })).toEqual({
      outcome: "created",
      id: first.id,
    });
    expect(await workflows.create({ record: record(), idempotencyKey: key, fingerprint: "a", idempotencyTtlSeconds: 60 })).toEqual({
      outcome: "existing",
      id: first.id,
    });
    expect(await workflows.create({ record: record(), idempotencyKey: key, fingerprint: "b", idempotencyTtlSeconds: 60 })).toEqual({
      outcome: "conflict",
      id: first.id,
    });

    const natural = `nk-${randomUUID()}`;
    const a = record();
    expect((await workflows.create({ record: a, naturalKey: natural, fingerprint: "x", idempotencyTtlSeconds: 60 })).outcome).toBe(
      "created",
    );
    expect(await workflows.create({ record: record(), naturalKey: natural, fingerprint: "y", idempotencyTtlSeconds: 60 })).toEqual({
      outcome: "existing",
      id: a.id,
    });
    expect(
      await workflows.transition(a.id, "", { state: "FAILED", step: a.step, attempts: 0, progress: {}, dueAt: null }, Date.now()),
    ).toBe(true);
    const b = record();
    expect(await workflows.create({ record: b, naturalKey: natural, fingerprint: "y", idempotencyTtlSeconds: 60 })).toEqual({
      outcome: "created",
      id: b.id,
    });
    const loaded = await workflows.load(b.id);
    expect(loaded?.input).toEqual(b.input);
    expect(loaded?.state).toBe("CREATED");
  });

  it("creates one workflow when the same natural key and Idempotency-Key arrive at once", async () => {
    for (let round = 0; round < 20; round++) {
      const natural = `nk-${randomUUID()}`;
      const key = randomUUID();
      const records = Array.from({ length: 4 }, () => record());
      const outcomes = await Promise.all(
        records.map((r) =>
          workflows.create({ record: r, naturalKey: natural, idempotencyKey: key, fingerprint: "z", idempotencyTtlSeconds: 60 }),
        ),
      );
      const created = outcomes.filter((o) => o.outcome === "created");
      expect(created).toHaveLength(1);
      expect(outcomes.every((o) => o.id === created[0]?.id)).toBe(true);
      expect((await workflows.loadMany(records.map((r) => r.id))).map((r) => r.id)).toEqual([created[0]?.id]);
    }
  });

  it("leases each due workflow to one claimer at a time and fences out the previous holder", async () => {
    const created = Array.from({ length: 20 }, () => record({ createdAt: 1_000, updatedAt: 1_000 }));
    for (const r of created) await workflows.create({ record: r, fingerprint: r.id, idempotencyTtlSeconds: 60 });
    const ids = new Set(created.map((r) => r.id));
    // Two replicas claim at once: no workflow goes to both.
    const [x, y] = await Promise.all([workflows.claimDue(2_000, 1_000, 5_000, "x"), workflows.claimDue(2_000, 1_000, 5_000, "y")]);
    const ours = [...x, ...y].filter((c) => ids.has(c.id));
    expect(ours).toHaveLength(20);
    expect(new Set(ours.map((c) => c.id)).size).toBe(20);
    // Leased until 7_000: not due at 6_000, due again (a crashed holder) at 7_000 with a new token.
    expect((await workflows.claimDue(6_000, 1_000, 5_000, "z")).filter((c) => ids.has(c.id))).toEqual([]);
    const first = ours[0] as WorkflowRecord;
    const again = (await workflows.claimDue(7_000, 1_000, 5_000, "z")).find((c) => c.id === first.id);
    expect(again?.leaseToken).toBe(first.leaseToken + 1);
    const step = { state: "RUNNING" as const, step: "UPLOAD_EVIDENCE", attempts: 0, progress: { a: 1 }, dueAt: 8_000 };
    expect(await workflows.transition(first.id, first.leaseToken, step, 7_500)).toBe(false);
    expect(await workflows.transition(first.id, again?.leaseToken as number, step, 7_500)).toBe(true);
    // A claim answers the record as it stands, under the new lease.
    const third = (await workflows.claimDue(8_000, 1_000, 5_000, "z")).find((c) => c.id === first.id);
    expect(third).toEqual(await workflows.load(first.id));
    expect(third).toMatchObject({ state: "RUNNING", step: "UPLOAD_EVIDENCE", progress: { a: 1 }, leaseToken: first.leaseToken + 2 });
    // An operator action fences out the holder.
    expect(await workflows.transition(first.id, "", { ...step, fenceOut: true, expectState: "RUNNING" }, 7_600)).toBe(true);
    expect(await workflows.transition(first.id, third?.leaseToken as number, step, 7_700)).toBe(false);
    expect(await workflows.transition(first.id, "", { ...step, expectState: "STALLED" }, 7_800)).toBe(false);
    const loaded = await workflows.load(first.id);
    expect(loaded).toMatchObject({ state: "RUNNING", step: "UPLOAD_EVIDENCE", progress: { a: 1 }, updatedAt: 7_600 });
    for (const r of created) await workflows.transition(r.id, "", { ...step, state: "FAILED", dueAt: null }, 9_000);
  });

  it("holds what recordAfter says after each transition under the lease (the engine runs on without a re-read)", async () => {
    const policy = { leaseMs: 30_000, maxAttempts: 3, backoffBaseMs: 1_000, backoffMaxMs: 60_000, maxStallCycles: 2 };
    const r = record({ createdAt: 1_000, updatedAt: 1_000 });
    await workflows.create({ record: r, fingerprint: r.id, idempotencyTtlSeconds: 60 });
    let wf = (await workflows.claimDue(1_000, 1_000, 5_000, "engine")).find((c) => c.id === r.id) as WorkflowRecord;
    expect(wf).toEqual({ ...r, leaseToken: 1 });
    const token = wf.leaseToken;
    const results: StepResult[] = [
      { kind: "next", step: "UPLOAD_EVIDENCE", patch: { dkg_thread_root: "0x01" } },
      { kind: "retry", code: "ARWEAVE_UNAVAILABLE", message: "gateway down", category: "TRANSIENT" },
      { kind: "next", step: "SUBMIT_WORK_ONCHAIN", patch: { evidence_uri: "cas://x" }, compactInput: true },
      { kind: "wait", delayMs: 50, patch: { _awaiting_since: 3_000 } },
      { kind: "next", step: null, patch: { register_confirmed: true } },
    ];
    const events: EngineEvent[] = [{ kind: "start" }, ...results.map((result) => ({ kind: "step" as const, result }))];
    let now = 2_000;
    for (const event of events) {
      const t = transitionFor(wf, event, now, policy) as Transition;
      expect(await workflows.transition(wf.id, token, t, now)).toBe(true);
      const patch = event.kind === "step" && "patch" in event.result ? (event.result.patch ?? {}) : {};
      wf = recordAfter(wf, t, patch, now) ?? wf;
      expect(await workflows.load(r.id)).toEqual(wf);
      now += 100;
    }
    expect(wf.state).toBe("COMPLETED");
  });

  it("keeps error, input and indexes as transitions say", async () => {
    const r = record({ studio: STUDIO });
    await workflows.create({ record: r, fingerprint: r.id, idempotencyTtlSeconds: 60 });
    const error = { step: "UPLOAD_EVIDENCE", code: "STALLED", message: "x", recoverable: true };
    const stall = { state: "STALLED" as const, step: "UPLOAD_EVIDENCE", attempts: 3, progress: {}, error, dueAt: null, stalledAt: 5_000 };
    expect(await workflows.transition(r.id, "", stall, 5_000)).toBe(true);
    expect(await workflows.stalledBefore(5_000, 1_000)).toContain(r.id);
    expect(await workflows.idsInState("STALLED")).toContain(r.id);
    expect(await workflows.idsForStudio(STUDIO.toLowerCase())).toContain(r.id);
    expect(await workflows.idsForTypeAndState("WorkSubmission", "STALLED")).toContain(r.id);
    expect((await workflows.load(r.id))?.error).toEqual(error);
    const { evidence_content: _bytes, ...compact } = r.input as unknown as Record<string, unknown>;
    const resume = { state: "RUNNING" as const, step: "SUBMIT_WORK_ONCHAIN", attempts: 0, progress: {}, error: null, dueAt: 6_000 };
    expect(await workflows.transition(r.id, "", { ...resume, input: compact as never }, 6_000)).toBe(true);
    const loaded = await workflows.load(r.id);
    expect(loaded?.error).toBeUndefined();
    expect(loaded?.input).toEqual(compact);
    expect(await workflows.stalledBefore(10_000, 1_000)).not.toContain(r.id);
    expect(await workflows.idsInState("STALLED")).not.toContain(r.id);
    expect(await workflows.idsInState("RUNNING")).toContain(r.id);
    expect(await workflows.countInState("RUNNING")).toBeGreaterThan(0);
    await workflows.transition(r.id, "", { ...resume, state: "FAILED", dueAt: null }, 6_500);
  });

  it("prunes finished workflows older than the cut-off with their transactions and natural key, and nothing else", async () => {
    const old = record();
    const recent = record();
    const running = record();
    const natural = `nk-${randomUUID()}`;
    await workflows.create({ record: old, naturalKey: natural, fingerprint: "o", idempotencyTtlSeconds: 60 });
    for (const r of [recent, running]) await workflows.create({ record: r, fingerprint: r.id, idempotencyTtlSeconds: 60 });
    const lease = await transactions.tryLock(old.signer, 5_000, "t");
    expect(lease).toBeDefined();
    const nonce = (await transactions.nextNonce(old.signer)) ?? 0;
    expect(await transactions.persistSigned(lease as never, [signed(`${old.id}:SUBMIT_WORK_ONCHAIN`, nonce)])).toBe(1);
    await transactions.unlock(lease as never);
    const done = { state: "COMPLETED" as const, step: "COMPLETED", attempts: 0, progress: {}, dueAt: null };
    await workflows.transition(old.id, "", done, 10_000);
    await workflows.transition(recent.id, "", done, 30_000);
    await workflows.transition(running.id, "", { ...done, state: "RUNNING", step: "COMPUTE_DKG", dueAt: 99_000 }, 10_000);

    expect(await workflows.pruneFinished(20_000, 100)).toBeGreaterThanOrEqual(1);
    expect(await workflows.load(old.id)).toBeUndefined();
    expect(await transactions.load(`${old.id}:SUBMIT_WORK_ONCHAIN`)).toBeUndefined();
    expect(await workflows.idsInState("COMPLETED")).not.toContain(old.id);
    expect(await workflows.idsForStudio(STUDIO)).not.toContain(old.id);
    expect((await workflows.load(recent.id))?.state).toBe("COMPLETED");
    expect((await workflows.load(running.id))?.state).toBe("RUNNING");
    // The natural key went with it: the same work can be submitted again.
    const again = record();
    expect((await workflows.create({ record: again, naturalKey: natural, fingerprint: "o", idempotencyTtlSeconds: 60 })).outcome).toBe(
      "created",
    );
    await workflows.transition(running.id, "", { ...done, state: "FAILED" }, 10_000);
  });

  it("holds one signer lock at a time, lets it expire, and persists a signed transaction only under the lock", async () => {
    const signer = `0x${randomUUID().replace(/-/g, "").padEnd(40, "0")}`;
    const a = await transactions.tryLock(signer, 300, "a");
    expect(a?.nextNonce).toBeUndefined();
    expect(await transactions.tryLock(signer, 300, "b")).toBeUndefined();
    expect(await transactions.nextNonce(signer)).toBeUndefined();
    expect(await transactions.persistSigned(a as never, [signed(`${randomUUID()}:STEP`, 7)])).toBe(1);
    expect(await transactions.nextNonce(signer)).toBe(8);
    // The holder stalls past its TTL: another takes the signer and the stale holder can write nothing.
    const b = await waitFor(() => transactions.tryLock(signer, 5_000, "b"), { description: "lock expiry", timeoutMs: 5_000 });
    expect(b.nextNonce).toBe(8);
    const lostKey = `${randomUUID()}:STEP`;
    expect(await transactions.persistSigned(a as never, [signed(lostKey, 8)])).toBe(0);
    expect(await transactions.load(lostKey)).toBeUndefined();
    await transactions.unlock(a as never); // not the holder: no effect
    expect(await transactions.tryLock(signer, 300, "c")).toBeUndefined();
    const key = `${randomUUID()}:STEP`;
    expect(await transactions.persistSigned(b, [signed(key, 8)])).toBe(1);
    await transactions.markSent([key], "sent", 123);
    await transactions.saveReplacement({ ...signed(key, 8), hashes: [`0x${"01".repeat(32)}`, `0x${"02".repeat(32)}`], maxFeePerGas: 9n });
    await transactions.markMined(key, "confirmed", 55n, `0x${"02".repeat(32)}`);
    expect(await transactions.load(key)).toMatchObject({ nonce: 8, status: "confirmed", sentAt: 123, maxFeePerGas: 9n, gas: 21_000n });
    await transactions.unlock(b);
    expect(await transactions.tryLock(signer, 300, "c")).toBeDefined();
  });

  it("persists a batch of consecutive nonces in one write under the lock, and none of it once the lock is lost", async () => {
    const signer = `0x${randomUUID().replace(/-/g, "").padEnd(40, "0")}`;
    const a = await transactions.tryLock(signer, 300, "a");
    expect(a).toBeDefined();
    const batch = [3, 4, 5].map((nonce) => signed(`${randomUUID()}:STEP`, nonce));
    expect(await transactions.persistSigned(a as never, batch)).toBe(3);
    expect(await transactions.nextNonce(signer)).toBe(6);
    for (const r of batch) expect(await transactions.load(r.key)).toMatchObject({ nonce: r.nonce, status: "signed", hashes: r.hashes });
    await transactions.markSent(
      batch.map((r) => r.key),
      "sent",
      456,
    );
    for (const r of batch) expect(await transactions.load(r.key)).toMatchObject({ status: "sent", sentAt: 456 });
    // The holder stalls past its TTL and another takes the signer: the stale batch writes nothing.
    const b = await waitFor(() => transactions.tryLock(signer, 5_000, "b"), { description: "lock expiry", timeoutMs: 5_000 });
    const lost = [6, 7].map((nonce) => signed(`${randomUUID()}:STEP`, nonce));
    expect(await transactions.persistSigned(a as never, lost)).toBe(0);
    for (const r of lost) expect(await transactions.load(r.key)).toBeUndefined();
    expect(await transactions.nextNonce(signer)).toBe(6);
    expect(await transactions.persistSigned(b, [])).toBe(0);
    await transactions.unlock(b);
  });
});

describe("redis transaction store", () => {
  it("persists a batch after the server forgot the script (a restart, SCRIPT FLUSH)", async () => {
    const transactions = new RedisTxStore(redis);
    const signer = `0x${randomUUID().replace(/-/g, "").padEnd(40, "0")}`;
    const lease = await transactions.tryLock(signer, 5_000, "a");
    expect(await transactions.persistSigned(lease as never, [signed(`${randomUUID()}:STEP`, 0)])).toBe(1);
    await redis.script("FLUSH");
    const batch = [1, 2].map((nonce) => signed(`${randomUUID()}:STEP`, nonce));
    expect(await transactions.persistSigned(lease as never, batch)).toBe(2);
    for (const r of batch) expect(await transactions.load(r.key)).toMatchObject({ nonce: r.nonce });
    expect(await transactions.nextNonce(signer)).toBe(3);
    await transactions.unlock(lease as never);
  });
});

describe("postgresql migrations", () => {
  it("apply once, are recorded by version, and refuse a schema newer than the build", async () => {
    const schema = `${ns.postgresSchema}_m`;
    expect(await migrate(postgres.pool, schema)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrate(postgres.pool, schema)).toEqual([]);
    // Replicas starting together: each migration still applies once.
    await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
    const together = await Promise.all([migrate(postgres.pool, schema), migrate(postgres.pool, schema), migrate(postgres.pool, schema)]);
    expect(together.flat()).toEqual(MIGRATIONS.map((m) => m.version));
    const { rows } = await admin.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await admin.query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES (9999, 'from the future')`);
    await expect(migrate(postgres.pool, schema)).rejects.toThrow(SchemaTooNewError);
  });

  it("says where it could not connect, without the password", async () => {
    const failure = connectPostgres(
      { url: "postgres://gh:s3cret@127.0.0.1:1/none", schema: "x", poolSize: 1, statementTimeoutMs: 1_000 },
      logger,
    );
    await expect(failure).rejects.toThrow(StoreOpenError);
    await expect(failure).rejects.toThrow(/^workflow store postgresql at 127\.0\.0\.1:1\/none: (?!.*s3cret)/);
  });
});
