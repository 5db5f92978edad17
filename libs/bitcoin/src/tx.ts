import { BitcoinFormatError, ByteReader, compactSize, concat, u32le, u64le } from "./bytes.js";
import { WITNESS_SCALE_FACTOR } from "./consensus.js";
import { sha256d } from "./hash.js";

export interface TxInput {
  /** Raw byte order. */
  prevTxid: Uint8Array;
  vout: number;
  scriptSig: Uint8Array;
  sequence: number;
}

export interface TxOutput {
  value: bigint;
  scriptPubKey: Uint8Array;
}

/**
 * A parsed transaction's byte fields (txids, scripts, witness items) are views of the bytes it was
 * read from, not copies: those bytes must stay unchanged while the transaction is in use.
 */
export interface Transaction {
  version: number;
  inputs: TxInput[];
  outputs: TxOutput[];
  /** One stack per input when the transaction carries BIP141 witness data, else null. */
  witnesses: Uint8Array[][] | null;
  locktime: number;
}

/** Smallest possible input (36 outpoint + 1 script length + 4 sequence) and output (8 + 1). */
const MIN_INPUT_BYTES = 41;
const MIN_OUTPUT_BYTES = 9;

/**
 * Where a transaction's parts lie in the bytes it was read from: enough to hash its txid and wtxid
 * and to weigh it from those bytes, since the reader accepts only the encoding serializing gives.
 */
interface Layout {
  start: number;
  /** Where the outputs end: the witness section's start with witness, the locktime's without. */
  witnessStart: number;
  end: number;
  segwit: boolean;
}

/** Reads one transaction at the reader's position (segwit marker/flag detected as in BIP144). */
export function readTransaction(r: ByteReader): Transaction {
  return readLaidOut(r).tx;
}

function readLaidOut(r: ByteReader): { tx: Transaction; layout: Layout } {
  const start = r.position;
  const version = r.i32();
  let inputCount = r.compactSize();
  let segwit = false;
  if (inputCount === 0) {
    const flag = r.u8();
    if (flag !== 1) throw new BitcoinFormatError("invalid_transaction", `unknown segwit flag ${flag}`);
    segwit = true;
    inputCount = r.compactSize();
  }
  if (inputCount * MIN_INPUT_BYTES > r.remaining) throw new BitcoinFormatError("truncated", `transaction declares ${inputCount} inputs`);
  const inputs: TxInput[] = [];
  for (let i = 0; i < inputCount; i++) {
    const prevTxid = r.bytesOf(32);
    const vout = r.u32();
    const scriptSig = r.bytesOf(r.count(1));
    inputs.push({ prevTxid, vout, scriptSig, sequence: r.u32() });
  }
  const outputCount = r.count(MIN_OUTPUT_BYTES);
  const outputs: TxOutput[] = [];
  for (let i = 0; i < outputCount; i++) {
    const value = r.u64();
    outputs.push({ value, scriptPubKey: r.bytesOf(r.count(1)) });
  }
  const witnessStart = r.position;
  let witnesses: Uint8Array[][] | null = null;
  if (segwit) {
    witnesses = inputs.map(() => {
      const items = r.count(1);
      const stack: Uint8Array[] = [];
      for (let j = 0; j < items; j++) stack.push(r.bytesOf(r.count(1)));
      return stack;
    });
    if (witnesses.every((stack) => stack.length === 0)) {
      throw new BitcoinFormatError("invalid_transaction", "segwit serialization with an empty witness (superfluous-witness-record)");
    }
  }
  const tx = { version, inputs, outputs, witnesses, locktime: r.u32() };
  return { tx, layout: { start, witnessStart, end: r.position, segwit } };
}

export function parseTransaction(bytes: Uint8Array): Transaction {
  return parseLaidOut(bytes).tx;
}

function parseLaidOut(bytes: Uint8Array): { tx: Transaction; layout: Layout } {
  const r = new ByteReader(bytes, "transaction");
  const read = readLaidOut(r);
  if (r.remaining !== 0) throw new BitcoinFormatError("invalid_transaction", `${r.remaining} trailing bytes after the transaction`);
  return read;
}

/** A transaction read from its bytes, with the ids and weight of those bytes. */
export interface IdentifiedTransaction {
  tx: Transaction;
  /** Raw byte order. */
  txid: Uint8Array;
  /** Raw byte order; the txid when the transaction has no witness. */
  wtxid: Uint8Array;
  /** BIP141: stripped size × 3 + total size. */
  weight: number;
}

/**
 * Parses a transaction and hashes its ids from the bytes themselves: the full bytes for the wtxid,
 * the bytes without the marker, flag and witnesses for the txid. The same ids as `txid`/`wtxid` of
 * the parsed transaction, without serializing it again (which costs ~10× the hashing on a
 * mainnet template's thousands of transactions).
 */
export function parseTransactionWithIds(bytes: Uint8Array): IdentifiedTransaction {
  const { tx, layout } = parseLaidOut(bytes);
  return { tx, ...idsOf(bytes, layout) };
}

function idsOf(bytes: Uint8Array, layout: Layout): Omit<IdentifiedTransaction, "tx"> {
  const { start, witnessStart, end, segwit } = layout;
  const full = bytes.subarray(start, end);
  if (!segwit) {
    const id = sha256d(full);
    return { txid: id, wtxid: id, weight: weightOf(layout) };
  }
  // version ‖ inputs and outputs (past the marker and flag) ‖ locktime
  const stripped = concat([bytes.subarray(start, start + 4), bytes.subarray(start + 6, witnessStart), bytes.subarray(end - 4, end)]);
  return { txid: sha256d(stripped), wtxid: sha256d(full), weight: weightOf(layout) };
}

/** BIP141 weight from where the parts lie: the stripped form drops the marker, the flag and the witnesses. */
function weightOf({ start, witnessStart, end, segwit }: Layout): number {
  const total = end - start;
  const stripped = segwit ? total - 2 - (end - 4 - witnessStart) : total;
  return stripped * (WITNESS_SCALE_FACTOR - 1) + total;
}

/** Reads one transaction at the reader's position with its weight, taken from the bytes it occupies. */
export function readWeighedTransaction(r: ByteReader): { tx: Transaction; weight: number } {
  const { tx, layout } = readLaidOut(r);
  return { tx, weight: weightOf(layout) };
}

export function hasWitness(tx: Transaction): boolean {
  return tx.witnesses?.some((stack) => stack.length > 0) === true;
}

/** Serializes the transaction; `withWitness: false` gives the stripped (txid) form. */
export function serializeTransaction(tx: Transaction, withWitness = true): Uint8Array {
  const segwit = withWitness && hasWitness(tx);
  const parts: Uint8Array[] = [u32le(tx.version)];
  if (segwit) parts.push(Uint8Array.of(0, 1));
  parts.push(compactSize(tx.inputs.length));
  for (const input of tx.inputs) {
    parts.push(input.prevTxid, u32le(input.vout), compactSize(input.scriptSig.length), input.scriptSig, u32le(input.sequence));
  }
  parts.push(compactSize(tx.outputs.length));
  for (const output of tx.outputs) parts.push(u64le(output.value), compactSize(output.scriptPubKey.length), output.scriptPubKey);
  if (segwit && tx.witnesses) {
    for (const stack of tx.witnesses) {
      parts.push(compactSize(stack.length));
      for (const item of stack) parts.push(compactSize(item.length), item);
    }
  }
  parts.push(u32le(tx.locktime));
  return concat(parts);
}

/** txid in raw byte order: sha256d of the witness-stripped serialization. */
export function txid(tx: Transaction): Uint8Array {
  return sha256d(serializeTransaction(tx, false));
}

/** wtxid in raw byte order (equals txid for a transaction without witness). */
export function wtxid(tx: Transaction): Uint8Array {
  return sha256d(serializeTransaction(tx, true));
}

/** BIP141 weight: stripped size × 3 + total size. */
export function transactionWeight(tx: Transaction): number {
  return serializeTransaction(tx, false).length * 3 + serializeTransaction(tx, true).length;
}

export function isCoinbase(tx: Transaction): boolean {
  const only = tx.inputs.length === 1 ? tx.inputs[0] : undefined;
  return only !== undefined && only.vout === 0xffffffff && only.prevTxid.every((b) => b === 0);
}
