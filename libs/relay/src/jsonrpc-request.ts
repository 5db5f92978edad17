import { JsonRpcCode } from "./error-codes.js";
import { isObject, JSONRPC_VERSION, type JsonRpcId } from "./jsonrpc.js";

/** Longest accepted string id (the Chainlink gateway's bound). */
export const MAX_REQUEST_ID_LENGTH = 200;
/**
 * Deepest nesting of arrays and objects a request body may have. The relay's params nest a few
 * levels; the bound keeps recursive serialisers (JSON.stringify, RFC 8785 canonicalisation) far
 * from the stack limit, which a body nested 10,000 deep overflows.
 */
export const MAX_JSON_DEPTH = 64;
/** Most requests one batch may hold. */
export const MAX_BATCH_REQUESTS = 128;

/** A request object that passed the JSON-RPC 2.0 checks (§4); params not yet checked against the method. */
export interface CallRequest {
  id: JsonRpcId;
  method: string;
  /** An object, an array, or undefined when absent. */
  params: unknown;
  auth?: string;
}

/**
 * One element of a call (JSON-RPC 2.0 §4-§6): a request to serve, a notification (a valid request
 * without an id: served with no answer), or an invalid request answered with an error carrying the
 * id when it could be read, else null.
 */
export type DecodedCall =
  | { kind: "request"; request: CallRequest }
  | { kind: "notification"; method: string }
  | { kind: "invalid"; id: JsonRpcId; code: number; message: string };

/** A whole body: one call, a batch of calls, or refused outright with one error whose id is null. */
export type DecodedBody =
  | { kind: "single"; call: DecodedCall }
  | { kind: "batch"; calls: DecodedCall[] }
  | { kind: "refused"; code: number; message: string };

/**
 * Whether the JSON text nests arrays and objects deeper than `limit`, found in one pass without
 * building anything. The text need not be valid JSON (JSON.parse judges that afterwards). A
 * string's contents are skipped with `indexOf`, which V8 runs as a native memory search: a body
 * is mostly string bytes (an enclave's Nitro attestation alone is ~4 KB of base64), and a
 * character-by-character loop over them cost ~3 ns a character even once optimised.
 */
export function jsonNestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) i = closingQuote(text, i + 1);
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return false;
}

/**
 * The index of the quote that ends a string whose contents start at `from`, or `text.length` when
 * none does. A quote is escaped when an odd run of backslashes precedes it (the opening quote ends
 * any run); each run is counted once, for the quote after it, so the search stays linear.
 */
function closingQuote(text: string, from: number): number {
  for (let at = from; ; ) {
    const quote = text.indexOf('"', at);
    if (quote === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(quote - backslashes - 1) === 0x5c) backslashes += 1;
    if (backslashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

/** `request ID is too long: N. max is 200 characters`, or undefined when the id is short enough. */
export function requestIdTooLong(id: string): string | undefined {
  return id.length > MAX_REQUEST_ID_LENGTH ? `request ID is too long: ${id.length}. max is ${MAX_REQUEST_ID_LENGTH} characters` : undefined;
}

/** In a `u` regex a surrogate pair is one code point, so only a lone surrogate matches. */
const LONE_SURROGATE = /\p{Surrogate}/u;

const invalid = (id: JsonRpcId, message: string): DecodedCall => ({ kind: "invalid", id, code: JsonRpcCode.invalidRequest, message });

/** Why an id member cannot be used as an id, or undefined if it can. */
function idProblem(id: unknown): string | undefined {
  if (id === null) return undefined;
  if (typeof id === "string") {
    if (LONE_SURROGATE.test(id)) return "request ID is not well-formed Unicode";
    return requestIdTooLong(id);
  }
  if (typeof id === "number") {
    // Larger integers lost precision in parsing: the answer could not carry the id as sent.
    if (Number.isInteger(id) && !Number.isSafeInteger(id)) return "a numeric request ID must be an integer of at most 2^53 - 1";
    return undefined;
  }
  return "request ID must be a string, a number or null";
}

/** Checks one element of a call against JSON-RPC 2.0 §4 (plus the gateway's id bounds and `auth`). */
export function decodeCall(value: unknown): DecodedCall {
  if (!isObject(value)) return invalid(null, "request must be a JSON object");
  const hasId = Object.hasOwn(value, "id");
  const problem = hasId ? idProblem(value.id) : undefined;
  if (problem) {
    // Ids that are well-typed but refused are still echoed; others cannot be.
    const echo = typeof value.id === "string" || (typeof value.id === "number" && Number.isSafeInteger(value.id));
    return invalid(echo ? (value.id as JsonRpcId) : null, problem);
  }
  const id = hasId ? (value.id as JsonRpcId) : null;
  if (value.jsonrpc !== JSONRPC_VERSION) return invalid(id, "incorrect jsonrpc version");
  if (typeof value.method !== "string") return invalid(id, "method must be a string");
  if (value.method === "") return invalid(id, "empty method field");
  const params = value.params;
  if (params !== undefined && (typeof params !== "object" || params === null)) return invalid(id, "params must be an object or an array");
  if (value.auth !== undefined && typeof value.auth !== "string") return invalid(id, "auth must be a string");
  if (!hasId) return { kind: "notification", method: value.method };
  const request: CallRequest = { id, method: value.method, params };
  if (value.auth) request.auth = value.auth;
  return { kind: "request", request };
}

/**
 * Decodes a request body (already valid UTF-8) without building anything deeper than
 * MAX_JSON_DEPTH: -32700 for text that is not JSON, -32600 for an empty or oversized batch or a
 * body nested too deep, else each element checked by decodeCall.
 */
export function decodeBody(text: string): DecodedBody {
  if (jsonNestingExceeds(text, MAX_JSON_DEPTH)) {
    return { kind: "refused", code: JsonRpcCode.invalidRequest, message: `request nests deeper than ${MAX_JSON_DEPTH} levels` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: "refused", code: JsonRpcCode.parse, message: "invalid JSON" };
  }
  if (!Array.isArray(parsed)) return { kind: "single", call: decodeCall(parsed) };
  if (parsed.length === 0) return { kind: "refused", code: JsonRpcCode.invalidRequest, message: "empty batch" };
  if (parsed.length > MAX_BATCH_REQUESTS) {
    return {
      kind: "refused",
      code: JsonRpcCode.invalidRequest,
      message: `batch of ${parsed.length} requests exceeds ${MAX_BATCH_REQUESTS}`,
    };
  }
  return { kind: "batch", calls: parsed.map(decodeCall) };
}
