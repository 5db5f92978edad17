import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { CanonicalJsonError } from "./errors.js";

/** RFC 8785 (JCS) canonical JSON text of a JSON value. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new CanonicalJsonError("value has no JSON representation");
  return text;
}

/** Lower-case hex SHA-256 of the canonical JSON: equal for values that differ only in key order or whitespace. */
export function canonicalDigest(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}
