import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { GENESIS_COINBASE, GENESIS_MERKLE_DISPLAY } from "../test/genesis.js";
import { BitcoinFormatError, ByteReader, fromHex, hashToDisplay, toHex } from "./bytes.js";
import {
  isCoinbase,
  parseTransaction,
  parseTransactionWithIds,
  readWeighedTransaction,
  serializeTransaction,
  type Transaction,
  transactionWeight,
  txid,
  wtxid,
} from "./tx.js";

const script = fc.uint8Array({ maxLength: 300 });
const input = fc.record({
  prevTxid: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  vout: fc.nat({ max: 0xffffffff }),
  scriptSig: script,
  sequence: fc.nat({ max: 0xffffffff }),
});
const output = fc.record({ value: fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }), scriptPubKey: script });

/** Any transaction serializeTransaction can write: with or without witnesses, scripts past the one-byte CompactSize. */
const transaction: fc.Arbitrary<Transaction> = fc
  .record({
    version: fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
    inputs: fc.array(input, { minLength: 1, maxLength: 4 }),
    outputs: fc.array(output, { maxLength: 4 }),
    locktime: fc.nat({ max: 0xffffffff }),
    witnessed: fc.boolean(),
    stacks: fc.array(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 3 }), { minLength: 4, maxLength: 4 }),
  })
  .map(({ witnessed, stacks, inputs, ...rest }) => {
    const witnesses = witnessed ? inputs.map((_, i) => stacks[i] ?? []) : null;
    // A witness serialization needs one non-empty stack (BIP144: otherwise it is refused as superfluous).
    if (witnesses?.every((stack) => stack.length === 0)) (witnesses[0] as Uint8Array[]).push(Uint8Array.of(1));
    return { ...rest, inputs, witnesses };
  });

describe("transactions", () => {
  it("the genesis coinbase parses, re-serializes, and hashes to the genesis merkle root", () => {
    const tx = parseTransaction(fromHex(GENESIS_COINBASE));
    expect(isCoinbase(tx)).toBe(true);
    expect(toHex(serializeTransaction(tx))).toBe(GENESIS_COINBASE);
    expect(hashToDisplay(txid(tx))).toBe(GENESIS_MERKLE_DISPLAY);
    expect(wtxid(tx)).toEqual(txid(tx));
    expect(transactionWeight(tx)).toBe((GENESIS_COINBASE.length / 2) * 4);
  });

  it("truncated or padded input is a typed error, never a RangeError", () => {
    const bytes = fromHex(GENESIS_COINBASE);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
        expect(() => parseTransaction(bytes.subarray(0, cut))).toThrow(BitcoinFormatError);
      }),
    );
    expect(() => parseTransaction(Uint8Array.of(...bytes, 0))).toThrow(/trailing/);
  });

  it("random bytes never throw anything but BitcoinFormatError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          parseTransaction(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(BitcoinFormatError);
        }
      }),
    );
  });
});

describe("ids and weight from a transaction's own bytes", () => {
  it("are the ids and weight of the re-serialized transaction, for any transaction", () => {
    fc.assert(
      fc.property(transaction, (tx) => {
        const bytes = serializeTransaction(tx);
        const read = parseTransactionWithIds(bytes);
        const parsed = parseTransaction(bytes);
        expect(read.txid).toEqual(txid(parsed));
        expect(read.wtxid).toEqual(wtxid(parsed));
        expect(read.weight).toBe(transactionWeight(parsed));
        expect(read.tx).toEqual(parsed);
      }),
    );
  });

  it("the genesis coinbase's, read from its bytes: its txid is the genesis merkle root; without witness its wtxid is its txid", () => {
    const read = parseTransactionWithIds(fromHex(GENESIS_COINBASE));
    expect(hashToDisplay(read.txid)).toBe(GENESIS_MERKLE_DISPLAY);
    expect(read.wtxid).toEqual(read.txid);
    expect(read.weight).toBe((GENESIS_COINBASE.length / 2) * 4);
  });

  it("a transaction read from the middle of a block is weighed from its own bytes only", () => {
    fc.assert(
      fc.property(transaction, transaction, (a, b) => {
        const first = serializeTransaction(a);
        const both = Uint8Array.of(...first, ...serializeTransaction(b));
        const r = new ByteReader(both, "block");
        expect(readWeighedTransaction(r).weight).toBe(transactionWeight(a));
        expect(r.position).toBe(first.length);
        expect(readWeighedTransaction(r).weight).toBe(transactionWeight(b));
      }),
    );
  });
});

describe("CompactSize encodings", () => {
  // 1 input, 1 output, no witness, with the input count written in the shortest form (01) or padded.
  const outpoint = `${"11".repeat(32)}00000000`;
  const input = `${outpoint}00ffffffff`; // empty scriptSig, final sequence
  const output = `01${"00".repeat(8)}00`; // one output: value 0, empty script
  const withInputCount = (count: string) => fromHex(`01000000${count}${input}${output}00000000`);

  it("only the shortest encoding is read, as Bitcoin Core reads them", () => {
    expect(parseTransaction(withInputCount("01")).inputs).toHaveLength(1);
    for (const padded of ["fd0100", "fe01000000", "ff0100000000000000"]) {
      expect(() => parseTransaction(withInputCount(padded))).toThrow(BitcoinFormatError);
      expect(() => parseTransaction(withInputCount(padded))).toThrow(/non-canonical CompactSize/);
    }
  });

  it("the first value of each longer form is read", () => {
    for (const [hex, value] of [
      ["fdfd00", 0xfd],
      ["fe00000100", 0x1_0000],
      ["ff0000000001000000", 0x1_0000_0000],
    ] as const) {
      expect(new ByteReader(fromHex(hex), "value").compactSize()).toBe(value);
    }
  });
});
