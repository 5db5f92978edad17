import { sha256d } from "@gatehouse/bitcoin";
import { Sv2Error } from "../errors.js";

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const INDEX = new Map([...ALPHABET].map((c, i) => [c, BigInt(i)]));
/** Longer strings are rejected before any big-number work: keys here are at most ~52 characters. */
const MAX_INPUT_LENGTH = 128;

export function base58Encode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = bytes.length > 0 ? BigInt(`0x${Buffer.from(bytes).toString("hex") || "0"}`) : 0n;
  let out = "";
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  return "1".repeat(zeros) + out;
}

export function base58Decode(text: string): Uint8Array {
  if (text.length > MAX_INPUT_LENGTH) throw new Sv2Error("invalid_key", `base58 string longer than ${MAX_INPUT_LENGTH} characters`);
  let zeros = 0;
  while (zeros < text.length && text[zeros] === "1") zeros++;
  let n = 0n;
  for (const c of text) {
    const digit = INDEX.get(c);
    if (digit === undefined) throw new Sv2Error("invalid_key", `invalid base58 character ${JSON.stringify(c)}`);
    n = n * 58n + digit;
  }
  const hex = n === 0n ? "" : n.toString(16);
  const body = Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex");
  const out = new Uint8Array(zeros + body.length);
  out.set(body, zeros);
  return out;
}

const checksum = (payload: Uint8Array) => sha256d(payload).subarray(0, 4);

export function base58CheckEncode(payload: Uint8Array): string {
  const full = new Uint8Array(payload.length + 4);
  full.set(payload);
  full.set(checksum(payload), payload.length);
  return base58Encode(full);
}

export function base58CheckDecode(text: string): Uint8Array {
  const full = base58Decode(text.trim());
  if (full.length < 4) throw new Sv2Error("invalid_key", "base58check string too short");
  const payload = full.subarray(0, full.length - 4);
  const expected = checksum(payload);
  for (let i = 0; i < 4; i++)
    if (full[payload.length + i] !== expected[i]) throw new Sv2Error("invalid_key", "base58check checksum mismatch");
  return payload.slice();
}
