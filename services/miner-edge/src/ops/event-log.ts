import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { fromBinary, type MessageInitShape, toJson } from "@bufbuild/protobuf";
import { createMessage } from "@gatehouse/bus";
import { type EdgeEvent, EdgeEventSchema, EdgeEventType, GatewayReason } from "@gatehouse/proto/mining/v1";
import type { Clock } from "@gatehouse/service";
import { edgeEventBytes } from "./edge-event-bytes.js";
import { RecordRing } from "./record-ring.js";

export type EventInit = Omit<MessageInitShape<typeof EdgeEventSchema>, "eventId" | "timestampMs" | "gatewayInstanceId"> & {
  eventId?: string;
};

export interface EventFilter {
  type?: EdgeEventType;
  workerId?: string;
  reason?: GatewayReason;
  limit: number;
}

/** Takes each recorded event with its wire bytes (what the ring keeps and the bus publishes). */
type Sink = (event: EdgeEvent, bytes: Uint8Array) => void;

/** The kept events' buffer to start with; it doubles as they need (an accepted share's event is ~650 bytes). */
const INITIAL_RING_BYTES = 64 * 1024;

/** Live Server-Sent Events clients beyond this are refused (each holds a socket and a buffer). */
const MAX_STREAMS = 32;
/** A stream whose client stops reading is dropped once this much is buffered for it. */
const MAX_STREAM_BUFFER_BYTES = 1 << 20;

/**
 * Every edge decision as an EdgeEvent: kept in a bounded ring for /gateway/events, pushed to live
 * SSE clients, and handed to the sinks (bus publisher, metrics).
 */
export class EventLog {
  /**
   * Each event's wire bytes, copied into one buffer, and beside them by slot the fields
   * /gateway/events filters on. Not the EdgeEvents, nor an object per event: a ring of those
   * outlives every young-generation collection, so each was copied, promoted and then marked by
   * every mark-compact (an accepted share's event is a graph of a dozen objects; its bytes alone
   * were still a typed array, an ArrayBuffer and the record holding them).
   */
  readonly #ring: RecordRing;
  readonly #types: Int32Array;
  readonly #reasons: Int32Array;
  readonly #workers: string[];
  readonly #streams = new Set<{ res: ServerResponse; filter: EventFilter }>();

  constructor(
    capacity: number,
    private readonly instanceId: string,
    private readonly sinks: Sink[],
    private readonly clock: Clock,
  ) {
    this.#ring = new RecordRing(capacity, INITIAL_RING_BYTES);
    this.#types = new Int32Array(capacity);
    this.#reasons = new Int32Array(capacity);
    this.#workers = new Array<string>(capacity).fill("");
  }

  /** `encodedShare`: the share detail's bytes as stored in SHARES, copied into the event's bytes instead of encoded again. */
  record(init: EventInit, encodedShare?: Uint8Array): EdgeEvent {
    const event = createMessage(EdgeEventSchema, init as MessageInitShape<typeof EdgeEventSchema>);
    event.eventId = init.eventId ?? randomBytes(16).toString("hex");
    event.timestampMs = BigInt(this.clock.now());
    event.gatewayInstanceId = this.instanceId;
    const bytes = edgeEventBytes(event, encodedShare);
    const slot = this.#ring.push(bytes);
    this.#types[slot] = event.type;
    this.#reasons[slot] = event.reasonCode;
    this.#workers[slot] = event.workerId;
    for (const sink of this.sinks) sink(event, bytes);
    for (const stream of this.#streams) this.#push(stream, event);
    return event;
  }

  /** Newest first (decoded from the kept bytes). */
  recent(filter: EventFilter): EdgeEvent[] {
    const out: EdgeEvent[] = [];
    for (let age = 0; age < this.#ring.size && out.length < filter.limit; age++) {
      const slot = this.#ring.slotOf(age);
      const kept = {
        type: this.#types[slot] as EdgeEventType,
        reasonCode: this.#reasons[slot] as GatewayReason,
        workerId: this.#workers[slot] as string,
      };
      if (matches(kept, filter)) out.push(fromBinary(EdgeEventSchema, this.#ring.copy(slot)));
    }
    return out;
  }

  /** Attaches an SSE client; false when too many are attached already. */
  stream(res: ServerResponse, filter: EventFilter): boolean {
    if (this.#streams.size >= MAX_STREAMS) return false;
    const entry = { res, filter };
    this.#streams.add(entry);
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    res.write(": connected\n\n");
    res.on("close", () => this.#streams.delete(entry));
    return true;
  }

  closeStreams(): void {
    for (const { res } of this.#streams) res.end();
    this.#streams.clear();
  }

  #push(stream: { res: ServerResponse; filter: EventFilter }, event: EdgeEvent): void {
    if (!matches(event, stream.filter)) return;
    if (stream.res.writableLength > MAX_STREAM_BUFFER_BYTES) {
      this.#streams.delete(stream);
      stream.res.destroy();
      return;
    }
    stream.res.write(`event: ${EdgeEventType[event.type]}\ndata: ${JSON.stringify(eventJson(event))}\n\n`);
  }
}

function matches(event: Pick<EdgeEvent, "type" | "workerId" | "reasonCode">, filter: EventFilter): boolean {
  return (
    (filter.type === undefined || event.type === filter.type) &&
    (filter.workerId === undefined || event.workerId === filter.workerId) &&
    (filter.reason === undefined || event.reasonCode === filter.reason)
  );
}

export function eventJson(event: EdgeEvent): unknown {
  return toJson(EdgeEventSchema, event);
}

/** Parses ?type=&worker=&reason=&limit= ; returns an error string for unknown names. */
export function parseFilter(params: URLSearchParams): EventFilter | string {
  const filter: EventFilter = { limit: 100 };
  const type = params.get("type");
  if (type !== null) {
    const value = EdgeEventType[type as keyof typeof EdgeEventType];
    if (value === undefined || typeof value !== "number") return `unknown event type "${type}"`;
    filter.type = value;
  }
  const reason = params.get("reason");
  if (reason !== null) {
    const value = GatewayReason[reason as keyof typeof GatewayReason];
    if (value === undefined || typeof value !== "number") return `unknown reason code "${reason}"`;
    filter.reason = value;
  }
  const worker = params.get("worker");
  if (worker !== null) filter.workerId = worker;
  const limit = params.get("limit");
  if (limit !== null) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) return "limit must be an integer in 1..1000";
    filter.limit = n;
  }
  return filter;
}
