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
