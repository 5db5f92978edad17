import { randomBytes } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";

// BIP324 ElligatorSwift over the secp256k1 field, written from the BIP's algorithm description.
// noble's field gives fast multiplication, inversion and square roots; squareness is decided by a
// binary Jacobi symbol (~4× cheaper than the exponentiation a square root costs), so the many
// candidates that turn out not to be squares never pay for a square root.

const Fp = secp256k1.Point.Fp;
const P = Fp.ORDER;
/** √−3 mod p. */
const C = 0xa2d2ba93507f1df233770c2a797962cc61f6d15da14ecd47d8d27ae1cd5f852n;
const HALF = Fp.inv(2n);
const ONE_MINUS_C_HALF = Fp.mul(Fp.sub(1n, C), HALF);
const ONE_PLUS_C_HALF = Fp.mul(Fp.add(1n, C), HALF);

/** Jacobi symbol (a/p) for the odd prime p: 1 square, −1 non-square, 0 for a ≡ 0. */
function jacobi(value: bigint): number {
  let a = value % P;
  let n = P;
  let result = 1;
  while (a !== 0n) {
    while ((a & 1n) === 0n) {
      a >>= 1n;
      const r = n & 7n;
      if (r === 3n || r === 5n) result = -result;
    }
    [a, n] = [n, a];
    if ((a & 3n) === 3n && (n & 3n) === 3n) result = -result;
    a %= n;
  }
  return n === 1n ? result : 0;
}

const isSquare = (a: bigint) => jacobi(a) >= 0;
const sqrtOrUndefined = (a: bigint): bigint | undefined => (isSquare(a) ? Fp.sqrt(a) : undefined);
/** x is an X coordinate on the curve iff x³ + 7 is a square. */
const isValidX = (x: bigint) => isSquare(Fp.add(Fp.mul(Fp.sqr(x), x), 7n));
/** Division with 1/0 = 0, as in the BIP's reference field arithmetic. */
const div = (a: bigint, b: bigint) => (b === 0n ? 0n : Fp.div(a, b));

export function bytesToField(bytes: Uint8Array): bigint {
  return Fp.create(BigInt(`0x${Buffer.from(bytes).toString("hex")}`));
}

export function fieldToBytes(x: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(x.toString(16).padStart(64, "0"), "hex"));
}

/** XSwiftEC(u, t): the X coordinate a (u, t) pair encodes. Every input decodes. */
export function xswiftec(uIn: bigint, tIn: bigint): bigint {
  const u = uIn === 0n ? 1n : uIn;
  let t = tIn === 0n ? 1n : tIn;
  const u3plus7 = Fp.add(Fp.mul(Fp.sqr(u), u), 7n);
  if (Fp.add(u3plus7, Fp.sqr(t)) === 0n) t = Fp.add(t, t);
  const X = div(Fp.sub(u3plus7, Fp.sqr(t)), Fp.add(t, t));
  const Y = div(Fp.add(X, t), Fp.mul(C, u));
  const first = Fp.add(u, Fp.mul(4n, Fp.sqr(Y)));
  if (isValidX(first)) return first;
  const xOverY = div(X, Y);
  const second = Fp.mul(Fp.sub(Fp.neg(xOverY), u), HALF);
  if (isValidX(second)) return second;
  return Fp.mul(Fp.sub(xOverY, u), HALF);
}

/** XSwiftECInv(x, u, case): a t with XSwiftEC(u, t) = x, or undefined when this case has none. */
export function xswiftecInv(x: bigint, u: bigint, ellCase: number): bigint | undefined {
  let v: bigint;
  let s: bigint;
  const u3plus7 = Fp.add(Fp.mul(Fp.sqr(u), u), 7n);
  if ((ellCase & 2) === 0) {
    if (isValidX(Fp.sub(Fp.neg(x), u))) return undefined;
    v = x;
    s = Fp.neg(div(u3plus7, Fp.add(Fp.add(Fp.sqr(u), Fp.mul(u, v)), Fp.sqr(v))));
  } else {
    s = Fp.sub(x, u);
    if (s === 0n) return undefined;
    const r = sqrtOrUndefined(Fp.mul(Fp.neg(s), Fp.add(Fp.mul(4n, u3plus7), Fp.mul(Fp.mul(3n, s), Fp.sqr(u)))));
    if (r === undefined) return undefined;
    if (ellCase & 1 && r === 0n) return undefined;
    v = Fp.mul(Fp.sub(div(r, s), u), HALF);
  }
  const w = sqrtOrUndefined(s);
  if (w === undefined) return undefined;
  switch (ellCase & 5) {
    case 0:
      return Fp.neg(Fp.mul(w, Fp.add(Fp.mul(u, ONE_MINUS_C_HALF), v)));
    case 1:
      return Fp.mul(w, Fp.add(Fp.mul(u, ONE_PLUS_C_HALF), v));
    case 4:
      return Fp.mul(w, Fp.add(Fp.mul(u, ONE_MINUS_C_HALF), v));
    default:
      return Fp.neg(Fp.mul(w, Fp.add(Fp.mul(u, ONE_PLUS_C_HALF), v)));
  }
}

/** XElligatorSwift: a uniformly random 64-byte encoding u ‖ t of the curve X coordinate x. */
export function ellswiftEncodeX(x: bigint): Uint8Array {
  for (;;) {
    const random = randomBytes(33);
    const u = bytesToField(random.subarray(0, 32));
    if (u === 0n) continue;
    const t = xswiftecInv(x, u, (random[32] as number) & 7);
    if (t === undefined) continue;
    const out = new Uint8Array(64);
    out.set(fieldToBytes(u), 0);
    out.set(fieldToBytes(t), 32);
    return out;
  }
}

export function ellswiftDecodeX(encoding: Uint8Array): bigint {
  return xswiftec(bytesToField(encoding.subarray(0, 32)), bytesToField(encoding.subarray(32, 64)));
}
