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

  create(request: CreateRequest): Promise<CreateOutcome> {
    const r = request.record;
    const idem = request.idempotencyKey ? `idem:${request.idempotencyKey}` : undefined;
    const natural = request.naturalKey ? `nk:${request.naturalKey}` : undefined;
    return this.inTransaction(async (c) => {
      for (const key of [idem, natural].filter((k): k is string => k !== undefined).sort()) {
        await c.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`${this.#keys}:${key}`]);
      }
      if (idem) {
        const { rows } = await c.query<{ workflow_id: string; fingerprint: string }>(
          `SELECT workflow_id, fingerprint FROM ${this.#keys} WHERE key = $1 AND (expires_at IS NULL OR expires_at > $2)`,
          [idem, r.createdAt],
        );
        const found = rows[0];
        if (found) return { outcome: found.fingerprint === request.fingerprint ? "existing" : "conflict", id: found.workflow_id };
      }
      if (natural) {
        const { rows } = await c.query<{ workflow_id: string; state: string | null }>(
          `SELECT k.workflow_id, w.state FROM ${this.#keys} k LEFT JOIN ${this.#wf} w ON w.id = k.workflow_id WHERE k.key = $1`,
          [natural],
        );
        const found = rows[0];
        if (found?.state && found.state !== "FAILED") return { outcome: "existing", id: found.workflow_id };
      }
      await c.query(
        `INSERT INTO ${this.#wf} (id, type, state, step, attempts, created_at, updated_at, input, progress, signer, studio, due_at)
         VALUES ($1, $2, $3, $4, 0, $5, $6, $7, '{}', $8, $9, $5)`,
        [r.id, r.type, r.state, r.step, r.createdAt, r.updatedAt, JSON.stringify(r.input), r.signer, r.studio],
      );
      const upsert = `INSERT INTO ${this.#keys} (key, workflow_id, fingerprint, expires_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (key) DO UPDATE SET workflow_id = EXCLUDED.workflow_id, fingerprint = EXCLUDED.fingerprint, expires_at = EXCLUDED.expires_at`;
      if (idem) await c.query(upsert, [idem, r.id, request.fingerprint, r.createdAt + request.idempotencyTtlSeconds * 1000]);
      if (natural) await c.query(upsert, [natural, r.id, null, null]);
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
