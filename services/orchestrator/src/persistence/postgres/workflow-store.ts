import type { Clock } from "@gatehouse/service";
import type { PoolClient } from "pg";
import type { CreateOutcome, CreateRequest, Transition, WorkflowStore } from "../../engine/store.js";
import type { Progress, WorkflowError, WorkflowInput, WorkflowRecord, WorkflowState, WorkflowType } from "../../engine/types.js";
import type { Postgres } from "./connect.js";

interface Row {
  id: string;
  type: WorkflowType;
  state: WorkflowState;
  step: string;
  attempts: number;
  created_at: string;
  updated_at: string;
  input: WorkflowInput;
  progress: Progress;
  error: WorkflowError | null;
  signer: string;
  studio: string;
  lease_token: string;
}

const COLUMNS = "id, type, state, step, attempts, created_at, updated_at, input, progress, error, signer, studio, lease_token";
/** The same columns of the claimed rows (`w`), which the claim's `due` set would make `id` ambiguous with. */
const CLAIMED_COLUMNS = COLUMNS.split(", ")
  .map((column) => `w.${column}`)
  .join(", ");

function parse(row: Row): WorkflowRecord {
  return {
    id: row.id,
    type: row.type,
    state: row.state,
    step: row.step,
    attempts: row.attempts,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    input: row.input,
    progress: row.progress,
    ...(row.error ? { error: row.error } : {}),
    signer: row.signer,
    studio: row.studio,
    leaseToken: Number(row.lease_token),
  };
}

/**
 * Workflow records in PostgreSQL: every method one statement or one transaction, so an
 * acknowledged transition is as durable as the server's commit (fsync, and with synchronous
 * replication on a standby too). Leases are row updates with `FOR UPDATE SKIP LOCKED`, so
 * replicas claim disjoint workflows; creation takes a transaction-scoped advisory lock per
 * deduplication key.
 */
export class PostgresWorkflowStore implements WorkflowStore {
  readonly #wf: string;
  readonly #keys: string;
  readonly #tx: string;

  constructor(
    private readonly pg: Postgres,
    private readonly clock: Clock,
  ) {
    this.#wf = `${pg.schema}.workflows`;
    this.#keys = `${pg.schema}.workflow_keys`;
    this.#tx = `${pg.schema}.transactions`;
  }

  private async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pg.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * The deduplication keys are locked first (one advisory lock per key, in order), then one
   * statement looks for a workflow holding either key and, when none does, inserts the record and
   * its keys: it runs on a snapshot taken after the locks, so a concurrent creation of the same
   * key has committed by then and is seen.
   */
  create(request: CreateRequest): Promise<CreateOutcome> {
    const r = request.record;
    const idem = request.idempotencyKey ? `idem:${request.idempotencyKey}` : null;
    const natural = request.naturalKey ? `nk:${request.naturalKey}` : null;
    return this.inTransaction(async (c) => {
      for (const key of [idem, natural].filter((k): k is string => k !== null).sort()) {
        await c.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`${this.#keys}:${key}`]);
      }
      const { rows } = await c.query<{ idem_id: string | null; idem_fingerprint: string | null; natural_id: string | null }>(
        `WITH by_idempotency_key AS (
           SELECT workflow_id, fingerprint FROM ${this.#keys} WHERE key = $10 AND (expires_at IS NULL OR expires_at > $5)
         ), by_natural_key AS (
           SELECT k.workflow_id FROM ${this.#keys} k JOIN ${this.#wf} w ON w.id = k.workflow_id WHERE k.key = $12 AND w.state <> 'FAILED'
         ), created AS (
           INSERT INTO ${this.#wf} (id, type, state, step, attempts, created_at, updated_at, input, progress, signer, studio, due_at)
           SELECT $1, $2, $3, $4, 0, $5, $6, $7, '{}', $8, $9, $5
           WHERE NOT EXISTS (SELECT 1 FROM by_idempotency_key) AND NOT EXISTS (SELECT 1 FROM by_natural_key)
           RETURNING id
         ), keyed AS (
           INSERT INTO ${this.#keys} (key, workflow_id, fingerprint, expires_at)
           SELECT k.key, created.id, k.fingerprint, k.expires_at
           FROM created, (VALUES ($10, $11, $13::bigint), ($12, NULL, NULL)) AS k(key, fingerprint, expires_at)
           WHERE k.key IS NOT NULL
           ON CONFLICT (key) DO UPDATE SET workflow_id = EXCLUDED.workflow_id, fingerprint = EXCLUDED.fingerprint, expires_at = EXCLUDED.expires_at
         )
         SELECT (SELECT workflow_id FROM by_idempotency_key) AS idem_id, (SELECT fingerprint FROM by_idempotency_key) AS idem_fingerprint,
           (SELECT workflow_id FROM by_natural_key) AS natural_id`,
        [
          r.id,
          r.type,
          r.state,
          r.step,
          r.createdAt,
          r.updatedAt,
          JSON.stringify(r.input),
          r.signer,
          r.studio,
          idem,
          request.fingerprint,
          natural,
          r.createdAt + request.idempotencyTtlSeconds * 1000,
        ],
      );
      const found = rows[0];
      if (found?.idem_id) return { outcome: found.idem_fingerprint === request.fingerprint ? "existing" : "conflict", id: found.idem_id };
      if (found?.natural_id) return { outcome: "existing", id: found.natural_id };
      return { outcome: "created", id: r.id };
    });
  }

  async load(id: string): Promise<WorkflowRecord | undefined> {
    const { rows } = await this.pg.pool.query<Row>(`SELECT ${COLUMNS} FROM ${this.#wf} WHERE id = $1`, [id]);
    return rows[0] ? parse(rows[0]) : undefined;
  }

  async loadMany(ids: readonly string[]): Promise<WorkflowRecord[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.pg.pool.query<Row>(`SELECT ${COLUMNS} FROM ${this.#wf} WHERE id = ANY($1::text[])`, [ids]);
    const byId = new Map(rows.map((row) => [row.id, parse(row)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async claimDue(now: number, limit: number, leaseMs: number, owner: string): Promise<WorkflowRecord[]> {
    const { rows } = await this.pg.pool.query<Row>(
      `WITH due AS (
         SELECT id FROM ${this.#wf} WHERE due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       UPDATE ${this.#wf} w SET due_at = $3, lease_token = w.lease_token + 1, lease_owner = $4
       FROM due WHERE w.id = due.id
       RETURNING ${CLAIMED_COLUMNS}`,
      [now, limit, now + leaseMs, owner],
    );
    return rows.map(parse);
  }

  async transition(id: string, token: number | "", t: Transition, now: number): Promise<boolean> {
    const errorMode = t.error === undefined ? "keep" : t.error === null ? "clear" : "set";
    const { rowCount } = await this.pg.pool.query(
      `UPDATE ${this.#wf} SET
         state = $2::text, step = $3, attempts = $4, progress = $5::jsonb,
         error = CASE $6::text WHEN 'keep' THEN error WHEN 'clear' THEN NULL ELSE $7::jsonb END,
         input = COALESCE($8::jsonb, input),
         updated_at = $9::bigint, due_at = $10, stalled_at = $11,
         finished_at = CASE WHEN $2::text IN ('COMPLETED', 'FAILED') THEN COALESCE(finished_at, $9::bigint) END,
         lease_token = lease_token + $12
       WHERE id = $1 AND ($13::bigint IS NULL OR lease_token = $13::bigint) AND ($14::text IS NULL OR state = $14::text)`,
      [
        id,
        t.state,
        t.step,
        t.attempts,
        JSON.stringify(t.progress),
        errorMode,
        errorMode === "set" ? JSON.stringify(t.error) : null,
        t.input === undefined ? null : JSON.stringify(t.input),
        now,
        t.dueAt,
        t.stalledAt ?? null,
        t.fenceOut ? 1 : 0,
        token === "" ? null : token,
        t.expectState ?? null,
      ],
    );
    return rowCount === 1;
  }

  private async ids(where: string, params: unknown[]): Promise<string[]> {
    const { rows } = await this.pg.pool.query<{ id: string }>(`SELECT id FROM ${this.#wf} WHERE ${where}`, params);
    return rows.map((row) => row.id);
  }

  stalledBefore(before: number, limit: number): Promise<string[]> {
    return this.ids("stalled_at <= $1 ORDER BY stalled_at LIMIT $2", [before, limit]);
  }

  idsInState(state: WorkflowState): Promise<string[]> {
    return this.ids("state = $1", [state]);
  }

  idsForStudio(studio: string): Promise<string[]> {
    return this.ids("lower(studio) = lower($1)", [studio]);
  }

  idsForTypeAndState(type: WorkflowType, state: WorkflowState): Promise<string[]> {
    return this.ids("state = $1 AND type = $2", [state, type]);
  }

  async countDue(now: number): Promise<number> {
    const { rows } = await this.pg.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.#wf} WHERE due_at <= $1`, [now]);
    return rows[0]?.n ?? 0;
  }

  async countInState(state: WorkflowState): Promise<number> {
    const { rows } = await this.pg.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.#wf} WHERE state = $1`, [state]);
    return rows[0]?.n ?? 0;
  }

  /** Also drops expired Idempotency-Keys (their workflows may live on). */
  pruneFinished(before: number, limit: number): Promise<number> {
    return this.inTransaction(async (c) => {
      const { rows } = await c.query<{ id: string }>(
        `DELETE FROM ${this.#wf} WHERE id IN (
           SELECT id FROM ${this.#wf} WHERE finished_at < $1 ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED
         ) RETURNING id`,
        [before, limit],
      );
      const ids = rows.map((row) => row.id);
      if (ids.length > 0) {
        await c.query(`DELETE FROM ${this.#keys} WHERE workflow_id = ANY($1::text[])`, [ids]);
        await c.query(`DELETE FROM ${this.#tx} WHERE workflow_id = ANY($1::text[])`, [ids]);
      }
      await c.query(`DELETE FROM ${this.#keys} WHERE expires_at IS NOT NULL AND expires_at <= $1`, [this.clock.now()]);
      return ids.length;
    });
  }
}
