import { type Logger, type Redis, systemClock } from "@gatehouse/service";
import type { TxStore } from "../chain/tx-store.js";
import type { Config } from "../config.js";
import type { WorkflowStore } from "../engine/store.js";
import { StoreConfigError } from "./errors.js";
import { connectPostgres, describeUrl } from "./postgres/connect.js";
import { PostgresTxStore } from "./postgres/tx-store.js";
import { PostgresWorkflowStore } from "./postgres/workflow-store.js";
import { RedisTxStore } from "./redis/tx-store.js";
import { RedisWorkflowStore } from "./redis/workflow-store.js";

/** The orchestrator's durable state behind its two ports, from `[store]`. */
export interface Stores {
  workflows: WorkflowStore;
  transactions: TxStore;
  /** Readiness: the store answers. */
  health(): Promise<{ ok: boolean; reason?: string }>;
  close(): Promise<void>;
}

export async function createStores(config: Config, redis: Redis, logger: Logger): Promise<Stores> {
  const { store } = config;
  if (store.backend === "redis") {
    logger.warn("store.backend = redis: workflow state is only as durable as that Redis (see docs/operations.md)");
    return {
      workflows: new RedisWorkflowStore(redis, config.redis.key_prefix),
      transactions: new RedisTxStore(redis),
      health: async () => ({ ok: true }),
      close: async () => {},
    };
  }
  if (!store.postgres_url) throw new StoreConfigError('store.postgres_url is required when store.backend = "postgres"');
  const pg = await connectPostgres(
    {
      url: store.postgres_url,
      schema: store.postgres_schema,
      poolSize: store.postgres_pool_size,
      statementTimeoutMs: store.postgres_statement_timeout_ms,
    },
    logger,
  );
  return {
    workflows: new PostgresWorkflowStore(pg, systemClock),
    transactions: new PostgresTxStore(pg),
    health: async () => {
      try {
        await pg.pool.query("SELECT 1");
        return { ok: true };
      } catch (err) {
        return { ok: false, reason: `postgresql ${describeUrl(store.postgres_url)}: ${(err as Error).message}` };
      }
    },
    close: () => pg.close(),
  };
}
