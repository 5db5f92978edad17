import { canonicalDigest } from "./canonical.js";

export const JSONRPC_VERSION = "2.0";
/** Longest accepted request id (the Chainlink gateway's limit). */
export const MAX_REQUEST_ID_LENGTH = 200;

export type JsonObject = { [key: string]: unknown };

export interface JsonRpcRequest {
  jsonrpc: string;
  id: string;
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
  id: string;
  method: string;
  result?: unknown;
  error?: WireError;
}

/** A request the gateway cannot decode; the message is safe to return to the caller. */
export class RequestDecodeError extends Error {
  override readonly name = "RequestDecodeError";
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Decodes a JSON-RPC 2.0 request as the reference gateway does: version "2.0", a non-empty
 * method, params present and a JSON object, a string id (empty ids are the handler's to reject).
 */
export function decodeRequest(body: string): JsonRpcRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new RequestDecodeError("invalid JSON");
  }
  if (!isObject(parsed)) throw new RequestDecodeError("request must be a JSON object");
  if (parsed.jsonrpc !== JSONRPC_VERSION) throw new RequestDecodeError("incorrect jsonrpc version");
  if (typeof parsed.method !== "string" || parsed.method === "") throw new RequestDecodeError("empty method field");
  if (parsed.params === undefined || parsed.params === null) throw new RequestDecodeError("invalid params");
  if (!isObject(parsed.params)) throw new RequestDecodeError("params must be a JSON object");
  const id = parsed.id ?? "";
  if (typeof id !== "string") throw new RequestDecodeError("id must be a string");
  if (parsed.auth !== undefined && typeof parsed.auth !== "string") throw new RequestDecodeError("auth must be a string");
  return { jsonrpc: JSONRPC_VERSION, id, method: parsed.method, params: parsed.params, ...(parsed.auth ? { auth: parsed.auth } : {}) };
}

/** `request ID is too long: N. max is 200 characters`, or undefined when the id is short enough. */
export function requestIdTooLong(id: string): string | undefined {
  return id.length > MAX_REQUEST_ID_LENGTH ? `request ID is too long: ${id.length}. max is ${MAX_REQUEST_ID_LENGTH} characters` : undefined;
}

/** The JSON-RPC service: the method's prefix before the first ".". */
export function serviceName(method: string): string {
  return method.split(".")[0] ?? "";
}

/** An error response as the gateway builds it: `data` is always present, null unless given. */
export function errorResponse(id: string, code: number, message: string, data: unknown = null): JsonRpcResponse {
  return { jsonrpc: JSONRPC_VERSION, id, method: "", error: { code, message, data } };
}

/**
 * Parses and shape-checks a node's JSON-RPC response: exactly one of result and error, a string
 * id and method, an integer error code and a string message.
 */
export function parseResponse(bytes: Uint8Array | string): JsonRpcResponse {
  const parsed: unknown = JSON.parse(typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8"));
  if (!isObject(parsed)) throw new Error("response is not a JSON object");
  if (parsed.jsonrpc !== JSONRPC_VERSION) throw new Error("response jsonrpc version is not 2.0");
  if (typeof parsed.id !== "string" || typeof parsed.method !== "string") throw new Error("response id and method must be strings");
  const hasResult = parsed.result !== undefined;
  const hasError = parsed.error !== undefined && parsed.error !== null;
  if (hasResult === hasError) throw new Error("response must carry exactly one of result and error");
  if (hasError) {
    const error = parsed.error;
    if (!isObject(error) || !Number.isInteger(error.code) || typeof error.message !== "string") {
      throw new Error("response error must have an integer code and a string message");
    }
  }
  return parsed as unknown as JsonRpcResponse;
}

/** Digest of a whole response (chainlink-common `pkg/jsonrpc2`): hex SHA-256 of its RFC 8785 canonical JSON. */
export function responseDigest(response: JsonRpcResponse): string {
  return canonicalDigest(response);
}
