import type { Logger } from "@gatehouse/service";
import pg from "pg";
import { StoreOpenError } from "../errors.js";
import { migrate, quoteSchema } from "./migrations.js";

export interface PostgresSettings {
  /** libpq-style URL; may carry a password, so it is never logged. */
  url: string;
  schema: string;
  poolSize: number;
  /** Bound on every statement, so a stuck server fails a step instead of hanging it. */
  statementTimeoutMs: number;
}

/** A pool on one schema, migrated to the latest version. */
export interface Postgres {
  pool: pg.Pool;
  /** The quoted schema name, for building table names. */
  schema: string;
  close(): Promise<void>;
}

/** Where a URL points, without credentials: for logs and errors. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return "(unparseable url)";
  }
}

/** A store whose acknowledged commits can be lost is worth a loud line at start. */
async function reportDurability(pool: pg.Pool, logger: Logger, where: string): Promise<void> {
  const { rows } = await pool.query<{ name: string; setting: string }>(
    "SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'synchronous_standby_names')",
  );
  const settings = Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  if (settings.fsync === "off" || settings.synchronous_commit === "off" || settings.synchronous_commit === "local") {
    logger.warn({ postgres: where, ...settings }, "postgresql may lose acknowledged commits (fsync or synchronous_commit is off/local)");
  } else {
    logger.info({ postgres: where, ...settings }, "workflow store: postgresql");
  }
}

/** Connects, applies pending migrations and reports the server's durability settings. */
export async function connectPostgres(settings: PostgresSettings, logger: Logger): Promise<Postgres> {
  const schema = quoteSchema(settings.schema);
  const where = describeUrl(settings.url);
  const pool = new pg.Pool({
    connectionString: settings.url,
    max: settings.poolSize,
    statement_timeout: settings.statementTimeoutMs,
    connectionTimeoutMillis: 10_000,
    application_name: "gatehouse-orchestrator",
  });
  // An idle client's error (the server restarted) must not crash the process: the pool replaces it.
  pool.on("error", (err) => logger.warn({ err: err.message, postgres: where }, "postgresql connection error"));
  try {
    const applied = await migrate(pool, settings.schema);
    if (applied.length > 0) logger.info({ postgres: where, schema: settings.schema, applied }, "workflow store migrated");
    await reportDurability(pool, logger, where);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new StoreOpenError(where, err as Error);
  }
  return { pool, schema, close: () => pool.end() };
}
