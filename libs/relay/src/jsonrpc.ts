import { canonicalDigest } from "./canonical.js";
import { JsonRpcParseError } from "./errors.js";

export const JSONRPC_VERSION = "2.0";

export type JsonObject = { [key: string]: unknown };

/** A JSON-RPC 2.0 id: a string, a number or null (JSON-RPC 2.0 §4). */
export type JsonRpcId = string | number | null;

/** A request as the gateway hands it to a handler. */
export interface JsonRpcRequest {
  jsonrpc: string;
  /**
   * The id the DON sees, digests and echoes, and that must be unique per sender while active: a
   * string id as sent, a number or null id as its JSON text (so `7` and `"7"` are the same id).
   */
  id: string;
  /** The caller's id with its JSON type: every answer carries it. */
  clientId: JsonRpcId;
  method: string;
  params: JsonObject;
  auth?: string;
}

export interface WireError {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcResponse {
  jsonrpc: string;
  id: JsonRpcId;
  method: string;
  result?: unknown;
  error?: WireError;
}

/** The id the DON sees for a caller's id (see JsonRpcRequest.id). */
export function wireId(id: JsonRpcId): string {
  return typeof id === "string" ? id : JSON.stringify(id);
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The JSON-RPC service: the method's prefix before the first ".". */
export function serviceName(method: string): string {
  return method.split(".")[0] ?? "";
}

/** An error response as the gateway builds it: `data` is always present, null unless given. */
export function errorResponse(id: JsonRpcId, code: number, message: string, data: unknown = null): JsonRpcResponse {
  return { jsonrpc: JSONRPC_VERSION, id, method: "", error: { code, message, data } };
}

/**
 * Parses and shape-checks a node's JSON-RPC response: exactly one of result and error, a string
 * id and method, an integer error code and a string message.
 */
export function parseResponse(bytes: Uint8Array | string): JsonRpcResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8"));
  } catch (err) {
    throw new JsonRpcParseError(`response is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new JsonRpcParseError("response is not a JSON object");
  if (parsed.jsonrpc !== JSONRPC_VERSION) throw new JsonRpcParseError("response jsonrpc version is not 2.0");
  if (typeof parsed.id !== "string" || typeof parsed.method !== "string")
    throw new JsonRpcParseError("response id and method must be strings");
  const hasResult = parsed.result !== undefined;
  const hasError = parsed.error !== undefined && parsed.error !== null;
  if (hasResult === hasError) throw new JsonRpcParseError("response must carry exactly one of result and error");
  if (hasError) {
    const error = parsed.error;
    if (!isObject(error) || !Number.isInteger(error.code) || typeof error.message !== "string") {
      throw new JsonRpcParseError("response error must have an integer code and a string message");
    }
  }
  return parsed as unknown as JsonRpcResponse;
}

/** Digest of a whole response (chainlink-common `pkg/jsonrpc2`): hex SHA-256 of its RFC 8785 canonical JSON. */
export function responseDigest(response: JsonRpcResponse): string {
  return canonicalDigest(response);
}
