import { StorageType } from "@nats-io/jetstream";
import { type ObjectResult, type ObjectStore, Objm } from "@nats-io/obj";
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

/** An object's bytes did not all arrive within the read's deadline; its read was cancelled. */
export class ObjectReadTimeoutError extends Error {
  override readonly name = "ObjectReadTimeoutError";
}

/**
 * An object's bytes, or null when the bucket has none of that name, within `timeoutMs`.
 *
 * nats.js reads an object's chunks through an ordered push consumer whose only liveness check is
 * a 30 s idle heartbeat, and its `getBlob` has no deadline: a read whose consumer went with a NATS
 * node that was killed, or whose chunks are gone while its metadata is not, waits for chunks that
 * never come. Here the read gives up at the deadline and is cancelled, which unsubscribes its
 * consumer (the server drops it after nats.js's 5-minute inactive threshold, as after any read), so
 * the caller can retry: a new read makes a new consumer, on whichever node now leads.
 */
export async function readObject(store: ObjectStore, name: string, timeoutMs: number): Promise<Uint8Array | null> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ObjectReadTimeoutError(`object ${name} not read within ${timeoutMs} ms`)), timeoutMs);
  });
  const opening = store.get(name);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    const result: ObjectResult | null = await Promise.race([opening, expired]);
    if (result === null) return null;
    // The read's outcome as a value, so a failure after the deadline is not an unhandled rejection.
    const ended = result.error.then(
      () => undefined,
      (err: unknown) => err,
    );
    reader = result.data.getReader();
    const bytes = await Promise.race([readToEnd(reader), expired]);
    const failure = await Promise.race([ended, expired]);
    if (failure !== undefined) throw failure;
    return bytes;
  } catch (err) {
    if (err instanceof ObjectReadTimeoutError) {
      // Opened after the deadline, or stalled mid-read: either way the read is cancelled.
      if (reader) void reader.cancel().catch(() => {});
      else void opening.then((late) => late?.data.cancel()).catch(() => {});
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function readToEnd(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    chunks.push(value);
  }
}

export type { ObjectStore };
