import { type Match, MsgHdrsImpl } from "@nats-io/transport-node";

/** Header names every Gatehouse bus message carries (docs/architecture.md, Subjects). */
export const Header = {
  contentType: "Content-Type",
  type: "Gh-Type",
  traceparent: "traceparent",
  msgId: "Nats-Msg-Id",
  /** A JetStream publish refused unless this stream takes it. */
  expectedStream: "Nats-Expected-Stream",
  /** Set on a request/reply answer that carries an error instead of a message. */
  error: "Gh-Error",
} as const;

export const PROTOBUF_CONTENT_TYPE = "application/protobuf";

const BUS_HEADER_NAMES: ReadonlySet<string> = new Set(Object.values(Header));

/**
 * nats.js's header set for a message the bus sends, the same set built and serialized for less:
 * nats.js checks and canonicalizes a name on every `append` or `set` (an array per call, another
 * for the names already there) and serializes the set at each publish through a TextEncoder, an
 * off-heap allocation; together a quarter of what the miner edge allocated per accepted share. The
 * bus's own names (`Header`) are known to be valid and are stored as they are; their values are
 * still checked and trimmed as nats.js checks them; any other name goes through nats.js.
 */
export class BusHeaders extends MsgHdrsImpl {
  override append(name: string, value: string, match?: Match): void {
    if (match !== undefined || !BUS_HEADER_NAMES.has(name)) {
      super.append(name, value, match);
      return;
    }
    const checked = MsgHdrsImpl.validHeaderValue(value);
    const values = this.headers.get(name);
    if (values) values.push(checked);
    else this.headers.set(name, [checked]);
  }

  override set(name: string, value: string, match?: Match): void {
    if (match !== undefined || !BUS_HEADER_NAMES.has(name)) {
      super.set(name, value, match);
      return;
    }
    // As nats.js's set: the name's values go first (also when the new value is refused), and it comes back last.
    this.headers.delete(name);
    this.headers.set(name, [MsgHdrsImpl.validHeaderValue(value)]);
  }

  /** The set's wire bytes, through Node's pooled `Buffer.from` rather than a TextEncoder. */
  override encode(): Uint8Array {
    return Buffer.from(this.toString());
  }
}
