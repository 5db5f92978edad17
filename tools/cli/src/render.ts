import { fromBinary, toJson } from "@bufbuild/protobuf";
import { Header } from "@gatehouse/bus";
import { registry } from "@gatehouse/proto";

export interface RawMessage {
  subject: string;
  data: Uint8Array;
  headers?: { get(name: string): string; keys(): string[] } | undefined;
}

export interface RenderedMessage {
  subject: string;
  type: string | null;
  headers: Record<string, string>;
  /** Canonical protobuf JSON when the type is known and parses. */
  message?: unknown;
  /** Raw payload when it is not. */
  base64?: string;
  error?: string;
}

/** Decodes a bus message by its Gh-Type header into canonical protobuf JSON. */
export function renderMessage(raw: RawMessage): RenderedMessage {
  const headers: Record<string, string> = {};
  for (const key of raw.headers?.keys() ?? []) headers[key] = raw.headers?.get(key) ?? "";
  const type = raw.headers?.get(Header.type) || null;
  const out: RenderedMessage = { subject: raw.subject, type, headers };
  const schema = type ? registry.getMessage(type) : undefined;
  if (!schema) return { ...out, base64: Buffer.from(raw.data).toString("base64") };
  try {
    return { ...out, message: toJson(schema, fromBinary(schema, raw.data), { registry }) };
  } catch (err) {
    return { ...out, base64: Buffer.from(raw.data).toString("base64"), error: (err as Error).message };
  }
}
