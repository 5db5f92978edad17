import { StorageType } from "@nats-io/jetstream";
import { type ObjectStore, Objm } from "@nats-io/obj";
import type { Bus } from "./bus.js";

/** Object store buckets (JetStream streams named `OBJ_<bucket>`), for payloads above the server's max_payload. */
export type ObjectStoreKey = "TEMPLATE_TRANSACTIONS";

/** A JetStream object store bucket as a service declares it. Times are milliseconds. */
export interface ObjectStoreSpec {
  bucket: string;
  description: string;
  /** Objects expire this long after they were written. */
  ttlMs: number;
  storage?: "file" | "memory";
  replicas?: number;
}

const HOUR = 3_600_000;

/**
 * Default declarations of every object store bucket. Objects are written in chunks of at most the
 * server's max_payload (nats.js's 128 KiB default), so an object is not bound by max_payload.
 */
export function objectStoreCatalog(options: { namePrefix?: string; replicas?: number } = {}): Record<ObjectStoreKey, ObjectStoreSpec> {
  return {
    TEMPLATE_TRANSACTIONS: {
      bucket: `${options.namePrefix ?? ""}TEMPLATE_TRANSACTIONS`,
      description: "Template transactions, referenced by TemplateProposal and BlockFound; a found block is assembled from them",
      // A template is mined at most until its tip or mempool moves; two hours covers a quiet chain.
      ttlMs: 2 * HOUR,
      // The same count as the streams' (`nats.stream_replicas`).
      replicas: options.replicas ?? 1,
    },
  };
}

/** Opens the bucket, creating it when absent (an existing bucket is used as it is). */
export async function ensureObjectStore(bus: Bus, spec: ObjectStoreSpec): Promise<ObjectStore> {
  return new Objm(bus.js).create(spec.bucket, {
    description: spec.description,
    ttl: spec.ttlMs * 1_000_000,
    storage: spec.storage === "memory" ? StorageType.Memory : StorageType.File,
    replicas: spec.replicas ?? 1,
  });
}

export type { ObjectStore };
