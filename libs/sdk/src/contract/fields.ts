import { z } from "zod";

/**
 * The field rules of the REST contract, each with the 400 message the orchestrator answers when a
 * body breaks it: `<path> must …`, the path as `dkg_evidence[0].author`.
 */

/** An EVM address: 0x and 20 bytes of hex, any case (no checksum check). */
export const ADDRESS_PATTERN = "^0x[0-9a-fA-F]{40}$";
export const ADDRESS = new RegExp(ADDRESS_PATTERN);
export const BYTES32_PATTERN = "^0x[0-9a-fA-F]{64}$";
export const BYTES32 = new RegExp(BYTES32_PATTERN);
export const ZERO_BYTES32 = `0x${"0".repeat(64)}`;
/** The base64 alphabet (RFC 4648, standard) with at most two padding characters at the end. */
export const BASE64_ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * RFC 4648 base64 (the standard alphabet, as Buffer#toString("base64") writes it), padding
 * optional: the alphabet, then the length rule. No nested pattern: evidence runs to megabytes, and
 * a pattern with nested groups overflows the regex engine's stack there (~7 MB).
 */
export function isBase64(text: string): boolean {
  if (!BASE64_ALPHABET.test(text)) return false;
  const padded = text.endsWith("=");
  return padded ? text.length % 4 === 0 : text.length % 4 !== 1;
}

/** `["dkg_evidence", 0, "author"]` → `dkg_evidence[0].author`. */
export function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

/** An error message naming the field it is about: `<path> <rule>`. */
export const says =
  (rule: string) =>
  (issue: { path?: PropertyKey[] | undefined }): string =>
    `${pathText(issue.path ?? [])} ${rule}`;

export const address = () => z.string({ error: says("must be a 0x-prefixed 20-byte hex address (42 characters)") }).regex(ADDRESS);

export const bytes32 = () => z.string({ error: says("must be a 0x-prefixed 32-byte hex value (66 characters)") }).regex(BYTES32);

export const epoch = () => z.int({ error: says("must be an integer >= 0") }).min(0);

export const nonEmptyString = () => z.string({ error: says("must be a non-empty string") }).min(1);

/** An array with `max` entries at most, of `item`. */
export const list = <T extends z.ZodType>(item: T, max: number) =>
  z.array(item, { error: says("must be an array") }).max(max, { error: says(`must have at most ${max} entries`) });

/** A transaction or content hash in a progress record. */
export const txHash = (what: string) => bytes32().describe(`Hash of ${what}`);
export const unixMs = (what: string) => z.int().describe(`Unix ms: ${what}`);
export const blockOf = (what: string) => z.int().describe(`Block number of ${what}`);
export const flag = (what: string) => z.boolean().describe(what);
