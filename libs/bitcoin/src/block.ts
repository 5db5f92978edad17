import { BitcoinFormatError, ByteReader, compactSize, concat } from "./bytes.js";
import { type BlockHeader, HEADER_SIZE, parseHeader } from "./header.js";
import { readWeighedTransaction, type Transaction } from "./tx.js";

/** header ‖ CompactSize(tx count) ‖ coinbase (with witness) ‖ transactions: the bytes `submitblock` takes. */
export function assembleBlock(header: Uint8Array, coinbase: Uint8Array, transactions: readonly Uint8Array[]): Uint8Array {
  if (header.length !== HEADER_SIZE) throw new BitcoinFormatError("invalid_header", `a header is 80 bytes, got ${header.length}`);
  return concat([header, compactSize(transactions.length + 1), coinbase, ...transactions]);
}

export interface Block {
  header: BlockHeader;
  headerBytes: Uint8Array;
  transactions: Transaction[];
  /** Serialized size in bytes. */
  size: number;
  weight: number;
}

/** Smallest transaction: version 4 + 1 input count + 41 input + 1 output count + 9 output + locktime 4. */
const MIN_TX_BYTES = 60;

export function parseBlock(bytes: Uint8Array): Block {
  if (bytes.length < HEADER_SIZE + 1) throw new BitcoinFormatError("truncated", "a block is at least a header and a transaction count");
  const headerBytes = Uint8Array.from(bytes.subarray(0, HEADER_SIZE));
  const r = new ByteReader(bytes.subarray(HEADER_SIZE), "block");
  const count = r.count(MIN_TX_BYTES);
  if (count === 0) throw new BitcoinFormatError("invalid_block", "a block has at least the coinbase");
  const transactions: Transaction[] = [];
  let weight = HEADER_SIZE * 4 + compactSize(count).length * 4;
  for (let i = 0; i < count; i++) {
    const read = readWeighedTransaction(r);
    transactions.push(read.tx);
    weight += read.weight;
  }
  if (r.remaining !== 0) throw new BitcoinFormatError("invalid_block", `${r.remaining} trailing bytes after the last transaction`);
  return { header: parseHeader(headerBytes), headerBytes, transactions, size: bytes.length, weight };
}
