import { BitcoinFormatError } from "./bytes.js";

const OP_0 = 0x00;
const OP_PUSHDATA1 = 0x4c;
const OP_PUSHDATA2 = 0x4d;
const OP_PUSHDATA4 = 0x4e;
const OP_1 = 0x51;
const OP_16 = 0x60;
const OP_CHECKSIG = 0xac;
const OP_CHECKSIGVERIFY = 0xad;
const OP_CHECKMULTISIG = 0xae;
const OP_CHECKMULTISIGVERIFY = 0xaf;

/** Minimal CScriptNum encoding of a non-negative integer (little-endian, sign bit kept clear). */
export function scriptNum(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new BitcoinFormatError("invalid_script_number", `${value} is not a non-negative integer`);
  const bytes: number[] = [];
  let v = value;
  while (v > 0) {
    bytes.push(v & 0xff);
    v = Math.floor(v / 256);
  }
  if (bytes.length > 0 && ((bytes[bytes.length - 1] as number) & 0x80) !== 0) bytes.push(0);
  return Uint8Array.from(bytes);
}

/** `CScript() << height` as BIP34 and Core's ContextualCheckBlock expect: OP_0, OP_1..OP_16, or a minimal push. */
export function bip34HeightScript(height: number): Uint8Array {
  if (height === 0) return Uint8Array.of(OP_0);
  if (height >= 1 && height <= 16) return Uint8Array.of(OP_1 + height - 1);
  const num = scriptNum(height);
  return Uint8Array.of(num.length, ...num);
}

/** The block height that a coinbase scriptSig starts with, or null when it does not start with a BIP34 push. */
export function parseBip34Height(scriptSig: Uint8Array): number | null {
  const first = scriptSig[0];
  if (first === undefined) return null;
  if (first === OP_0) return 0;
  if (first >= OP_1 && first <= OP_16) return first - OP_1 + 1;
  if (first < 1 || first > 8 || scriptSig.length < 1 + first) return null;
  const num = scriptSig.subarray(1, 1 + first);
  if (((num[num.length - 1] as number) & 0x80) !== 0) return null;
  let value = 0;
  for (let i = num.length - 1; i >= 0; i--) value = value * 256 + (num[i] as number);
  // Only the minimal encoding is the BIP34 push (Core compares scripts byte for byte).
  const expected = bip34HeightScript(value);
  if (expected.length !== first + 1 || expected.some((b, i) => b !== scriptSig[i])) return null;
  return value;
}

/** Legacy sigop count of a script (Core's GetSigOpCount(false)); a truncated push ends the count as in Core. */
export function legacySigops(script: Uint8Array): number {
  let count = 0;
  let i = 0;
  while (i < script.length) {
    const op = script[i++] as number;
    if (op > OP_0 && op < OP_PUSHDATA1) i += op;
    else if (op === OP_PUSHDATA1) i += 1 + (script[i] ?? 0);
    else if (op === OP_PUSHDATA2) i += 2 + ((script[i] ?? 0) | ((script[i + 1] ?? 0) << 8));
    else if (op === OP_PUSHDATA4)
      i += 4 + ((script[i] ?? 0) | ((script[i + 1] ?? 0) << 8) | ((script[i + 2] ?? 0) << 16)) + (script[i + 3] ?? 0) * 2 ** 24;
    else if (op === OP_CHECKSIG || op === OP_CHECKSIGVERIFY) count += 1;
    else if (op === OP_CHECKMULTISIG || op === OP_CHECKMULTISIGVERIFY) count += 20;
  }
  return count;
}
