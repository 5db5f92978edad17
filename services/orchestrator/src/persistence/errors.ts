/** A `[store]` setting the stores cannot run with: `backend = "postgres"` without `postgres_url`, a schema name PostgreSQL would need quoted. */
export class StoreConfigError extends Error {
  override readonly name = "StoreConfigError";
}

/** The PostgreSQL store could not be opened (connected, migrated or checked); `cause` is the underlying error. */
export class StoreOpenError extends Error {
  override readonly name = "StoreOpenError";
  constructor(
    readonly where: string,
    cause: Error,
  ) {
    super(`workflow store postgresql at ${where}: ${cause.message}`, { cause });
  }
}
