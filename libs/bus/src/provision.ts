import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { TimeoutError } from "@nats-io/transport-node";

/** A JetStream stream as a service declares it. Times are milliseconds. */
export interface StreamSpec {
  name: string;
  subjects: string[];
  description?: string;
  retention?: "limits" | "workqueue" | "interest";
  storage?: "file" | "memory";
  maxMsgs?: number;
  maxBytes?: number;
  maxAgeMs?: number;
  maxMsgSize?: number;
  discard?: "old" | "new";
  duplicateWindowMs?: number;
  /** Copies kept by the JetStream cluster (1..5); provisioning raises it, never lowers it. */
  replicas?: number;
}

/** A durable pull consumer as a service declares it. Times are milliseconds. */
export interface ConsumerSpec {
  stream: string;
  durable: string;
  description?: string;
  filterSubject?: string;
  deliverPolicy?: "all" | "new" | "last";
  ackWaitMs?: number;
  maxDeliver?: number;
  maxAckPending?: number;
  backoffMs?: number[];
}

export type ProvisionOutcome = "created" | "updated" | "unchanged";

/**
 * A declared setting provisioning left as the server has it: lowering a stream's replicas would
 * drop copies of accepted work on a restart with a stale configuration, so only an operator does it.
 */
export interface KeptSetting {
  stream: string;
  setting: "num_replicas";
  current: number;
  wanted: number;
}

export interface EnsureStreamOptions {
  /** Told about every declared setting that was kept as the server has it. */
  onKept?: (kept: KeptSetting) => void;
}

/** Raised when an existing stream or consumer differs in a setting the server cannot change. */
export class ProvisionConflictError extends Error {
  override readonly name = "ProvisionConflictError";
}

const NS_PER_MS = 1_000_000;
const ns = (ms: number) => ms * NS_PER_MS;

const RETENTION = {
  limits: RetentionPolicy.Limits,
  workqueue: RetentionPolicy.Workqueue,
  interest: RetentionPolicy.Interest,
} as const;
const STORAGE = { file: StorageType.File, memory: StorageType.Memory } as const;
const DISCARD = { old: DiscardPolicy.Old, new: DiscardPolicy.New } as const;
const DELIVER = { all: DeliverPolicy.All, new: DeliverPolicy.New, last: DeliverPolicy.Last } as const;

function streamConfig(spec: StreamSpec): Partial<StreamConfig> & { name: string } {
  const config: Partial<StreamConfig> & { name: string } = {
    name: spec.name,
    subjects: spec.subjects,
    retention: RETENTION[spec.retention ?? "limits"],
    storage: STORAGE[spec.storage ?? "file"],
    discard: DISCARD[spec.discard ?? "old"],
    num_replicas: spec.replicas ?? 1,
  };
  if (spec.description !== undefined) config.description = spec.description;
  if (spec.maxMsgs !== undefined) config.max_msgs = spec.maxMsgs;
  if (spec.maxBytes !== undefined) config.max_bytes = spec.maxBytes;
  if (spec.maxAgeMs !== undefined) config.max_age = ns(spec.maxAgeMs);
  if (spec.maxMsgSize !== undefined) config.max_msg_size = spec.maxMsgSize;
  if (spec.duplicateWindowMs !== undefined) config.duplicate_window = ns(spec.duplicateWindowMs);
  return config;
}

function consumerConfig(spec: ConsumerSpec): Partial<ConsumerConfig> {
  const config: Partial<ConsumerConfig> = {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DELIVER[spec.deliverPolicy ?? "all"],
  };
  if (spec.description !== undefined) config.description = spec.description;
  if (spec.filterSubject !== undefined) config.filter_subject = spec.filterSubject;
  if (spec.ackWaitMs !== undefined) config.ack_wait = ns(spec.ackWaitMs);
  if (spec.maxDeliver !== undefined) config.max_deliver = spec.maxDeliver;
  if (spec.maxAckPending !== undefined) config.max_ack_pending = spec.maxAckPending;
  if (spec.backoffMs !== undefined) config.backoff = spec.backoffMs.map(ns);
  return config;
}

function isNotFound(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}

/** The keys of `wanted` whose values differ from `actual`. */
function differences<T extends object>(wanted: Partial<T>, actual: T): (keyof T)[] {
  return (Object.keys(wanted) as (keyof T)[]).filter((key) => !sameValue(wanted[key], actual[key]));
}

const IMMUTABLE_STREAM: (keyof StreamConfig)[] = ["retention", "storage"];
const IMMUTABLE_CONSUMER: (keyof ConsumerConfig)[] = ["ack_policy", "deliver_policy", "filter_subject"];

/** Times a provisioning step is asked when the server leaves it unanswered. */
const PROVISION_ATTEMPTS = 3;

/**
 * Runs an idempotent provisioning step (or a read of what it made) again when the server did not
 * answer it in time. Two clients creating the same replicated stream at once (two replicas of a
 * service starting together) on a nats-server 2.9 cluster leave one of the two requests
 * unanswered although the stream is created (5 of 45 such pairs on a three-node cluster), and a
 * stream's info goes unanswered until its new leader is elected. Asked again, the step finds it.
 */
export async function askUntilAnswered<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof TimeoutError) || attempt >= PROVISION_ATTEMPTS) throw err;
    }
  }
}

/**
 * Makes the stream exist with the declared settings: creates it, updates what the server allows
 * to change, and refuses (ProvisionConflictError) what it does not. Replicas are raised, never
 * lowered (the higher count is kept and reported to `onKept`). Idempotent; a request the server
 * leaves unanswered is asked again.
 */
export function ensureStream(jsm: JetStreamManager, spec: StreamSpec, options: EnsureStreamOptions = {}): Promise<ProvisionOutcome> {
  return askUntilAnswered(() => ensureStreamOnce(jsm, spec, options));
}

async function ensureStreamOnce(jsm: JetStreamManager, spec: StreamSpec, options: EnsureStreamOptions): Promise<ProvisionOutcome> {
  const wanted = streamConfig(spec);
  let current: StreamConfig;
  try {
    current = (await jsm.streams.info(spec.name)).config;
  } catch (err) {
    if (!isNotFound(err, JetStreamApiCodes.StreamNotFound)) throw err;
    await jsm.streams.add(wanted);
    return "created";
  }
  const currentReplicas = current.num_replicas ?? 1;
  if ((wanted.num_replicas ?? 1) < currentReplicas) {
    options.onKept?.({ stream: spec.name, setting: "num_replicas", current: currentReplicas, wanted: wanted.num_replicas ?? 1 });
    wanted.num_replicas = currentReplicas;
  }
  const changed = differences(wanted, current);
  if (changed.length === 0) return "unchanged";
  const immutable = changed.filter((key) => IMMUTABLE_STREAM.includes(key));
  if (immutable.length > 0) {
    const detail = immutable.map((k) => `${String(k)} is ${String(current[k])}, want ${String(wanted[k])}`).join("; ");
    throw new ProvisionConflictError(`stream ${spec.name} exists with other settings: ${detail}`);
  }
  await jsm.streams.update(spec.name, { ...current, ...wanted });
  return "updated";
}

/** Makes the durable consumer exist with the declared settings. Idempotent; a request the server leaves unanswered is asked again. */
export function ensureConsumer(jsm: JetStreamManager, spec: ConsumerSpec): Promise<ProvisionOutcome> {
  return askUntilAnswered(() => ensureConsumerOnce(jsm, spec));
}

async function ensureConsumerOnce(jsm: JetStreamManager, spec: ConsumerSpec): Promise<ProvisionOutcome> {
  const wanted = consumerConfig(spec);
  let current: ConsumerConfig;
  try {
    current = (await jsm.consumers.info(spec.stream, spec.durable)).config;
  } catch (err) {
    if (!isNotFound(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
    await jsm.consumers.add(spec.stream, wanted);
    return "created";
  }
  const changed = differences(wanted, current);
  if (changed.length === 0) return "unchanged";
  const immutable = changed.filter((key) => IMMUTABLE_CONSUMER.includes(key));
  if (immutable.length > 0) {
    const detail = immutable.map((k) => `${String(k)} is ${String(current[k])}, want ${String(wanted[k])}`).join("; ");
    throw new ProvisionConflictError(`consumer ${spec.stream}/${spec.durable} exists with other settings: ${detail}`);
  }
  await jsm.consumers.update(spec.stream, spec.durable, { ...current, ...wanted });
  return "updated";
}
