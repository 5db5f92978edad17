import type { Pool } from "pg";
import { StoreConfigError } from "../errors.js";

/** A schema change: applied once, in version order, recorded in `schema_migrations`. Never edit one that has shipped; add the next. */
export interface Migration {
  version: number;
  name: string;
  /** SQL with `$schema` standing for the quoted schema name. */
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "workflows, dedup keys, signers, transactions",
    sql: `
CREATE TABLE $schema.workflows (
  id text PRIMARY KEY,
  type text NOT NULL,
  state text NOT NULL,
  step text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  input jsonb NOT NULL,
  progress jsonb NOT NULL DEFAULT '{}',
  error jsonb,
  signer text NOT NULL,
  studio text NOT NULL,
  lease_token bigint NOT NULL DEFAULT 0,
  lease_owner text,
  due_at bigint,
  stalled_at bigint,
  finished_at bigint
);
CREATE INDEX workflows_due ON $schema.workflows (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX workflows_stalled ON $schema.workflows (stalled_at) WHERE stalled_at IS NOT NULL;
CREATE INDEX workflows_finished ON $schema.workflows (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX workflows_state_type ON $schema.workflows (state, type);
CREATE INDEX workflows_studio ON $schema.workflows (lower(studio));

-- Idempotency-Key ('idem:<key>', expiring) and natural-key ('nk:<key>') deduplication.
CREATE TABLE $schema.workflow_keys (
  key text PRIMARY KEY,
  workflow_id text NOT NULL,
  fingerprint text,
  expires_at bigint
);
CREATE INDEX workflow_keys_workflow ON $schema.workflow_keys (workflow_id);

-- Per signer: the lock (token = '<fence>:<owner>', expiring on the server's clock) and the next nonce.
CREATE TABLE $schema.signers (
  signer text PRIMARY KEY,
  fence bigint NOT NULL DEFAULT 0,
  lock_token text,
  lock_expires_at timestamptz,
  next_nonce bigint
);

CREATE TABLE $schema.transactions (
  key text PRIMARY KEY,
  workflow_id text NOT NULL,
  signer text NOT NULL,
  nonce bigint NOT NULL,
  to_address text NOT NULL,
  data text NOT NULL,
  gas text NOT NULL,
  max_fee_per_gas text NOT NULL,
  max_priority_fee_per_gas text NOT NULL,
  raw text NOT NULL,
  hashes jsonb NOT NULL,
  status text NOT NULL,
  sent_at bigint NOT NULL DEFAULT 0,
  block bigint,
  mined_hash text
);
CREATE INDEX transactions_workflow ON $schema.transactions (workflow_id);
CREATE INDEX transactions_signer_nonce ON $schema.transactions (signer, nonce);
`,
  },
];

/** The code knows fewer migrations than the database has applied: an older build on a newer schema. */
export class SchemaTooNewError extends Error {
  override readonly name = "SchemaTooNewError";
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new StoreConfigError(`store.postgres_schema ${JSON.stringify(schema)} must match ${SCHEMA_NAME}`);
  return `"${schema}"`;
}

/**
 * Brings `schema` up to the latest migration, in one transaction under an advisory lock, so
 * replicas starting together apply each migration once. Returns the versions applied now.
 */
export async function migrate(pool: Pool, schema: string, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const quoted = quoteSchema(schema);
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`gatehouse-migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${quoted}.schema_migrations`);
    const applied = new Set(rows.map((r) => r.version));
    const newest = Math.max(0, ...migrations.map((m) => m.version));
    const unknown = [...applied].filter((v) => v > newest);
    if (unknown.length > 0)
      throw new SchemaTooNewError(
        `schema ${schema} has migration(s) ${unknown.join(", ")} that this build does not know (newest ${newest})`,
      );
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql.replaceAll("$schema", quoted));
      await client.query(`INSERT INTO ${quoted}.schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      done.push(migration.version);
    }
    await client.query("COMMIT");
    return done;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
