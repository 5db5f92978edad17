import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { GENESIS_COINBASE } from "../test/genesis.js";
import { assembleBlock, parseBlock } from "./block.js";
import { BitcoinFormatError, fromHex } from "./bytes.js";
import {
  assembleStandardCoinbase,
  buildCoinbase,
  describeCoinbase,
  findWitnessCommitment,
  WITNESS_RESERVED_VALUE,
  witnessCommitment,
  witnessCommitmentScript,
} from "./coinbase.js";
import { headerHash, serializeHeader } from "./header.js";
import { coinbaseMerklePath, merkleRoot, merkleRootFromPath } from "./merkle.js";
import { parseBip34Height } from "./script.js";
import { parseTransaction, serializeTransaction, transactionWeight, txid, wtxid } from "./tx.js";

const payout = { value: 5_000_000_000n, scriptPubKey: fromHex("0014".padEnd(44, "ab")) };

describe("coinbase", () => {
  const segwitCoinbase = buildCoinbase({
    height: 1_000,
    scriptSigSuffix: fromHex("0c536f6d6520706f6f6c2f31"),
    outputs: [payout],
    witnessCommitment: witnessCommitment([]),
  });

  it("starts with the BIP34 height and carries the reserved value as its witness", () => {
    expect(parseBip34Height(segwitCoinbase.inputs[0]?.scriptSig ?? new Uint8Array())).toBe(1_000);
    expect(segwitCoinbase.witnesses).toEqual([[WITNESS_RESERVED_VALUE]]);
    expect(txid(segwitCoinbase)).not.toEqual(wtxid(segwitCoinbase));
  });

  it("standard-channel assembly: prefix ‖ extranonce_prefix ‖ suffix, stripped form for the txid, segwit form for the block", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 32 }), (extranonce) => {
        const tx = buildCoinbase({ height: 500, scriptSigSuffix: extranonce, outputs: [payout], witnessCommitment: witnessCommitment([]) });
        const full = serializeTransaction(tx);
        // The extranonce is the tail of the scriptSig: split the full serialization around it.
        const script = tx.inputs[0]?.scriptSig ?? new Uint8Array();
        const scriptEnd = 4 + 2 + 1 + 36 + 1 + script.length;
        const prefix = full.subarray(0, scriptEnd - extranonce.length);
        const suffix = full.subarray(scriptEnd);
        const assembled = assembleStandardCoinbase(prefix, extranonce, suffix);
        expect(assembled.full).toEqual(full);
        expect(assembled.stripped).toEqual(serializeTransaction(tx, false));
        expect(assembled.txid).toEqual(txid(tx));
        expect(assembled.full.length).toBeGreaterThan(assembled.stripped.length);
      }),
    );
  });

  it("refuses a non-coinbase and an over-long scriptSig", () => {
    const notCoinbase = parseTransaction(fromHex(GENESIS_COINBASE));
    notCoinbase.inputs[0] = { ...(notCoinbase.inputs[0] as (typeof notCoinbase.inputs)[0]), vout: 0 };
    const bytes = serializeTransaction(notCoinbase);
    expect(() => assembleStandardCoinbase(bytes.subarray(0, 10), new Uint8Array(0), bytes.subarray(10))).toThrow(/not a coinbase/);
    expect(() => buildCoinbase({ height: 1, scriptSigSuffix: new Uint8Array(100), outputs: [payout] })).toThrow(/2\.\.100/);
  });

  it("finds the witness commitment, the highest matching output winning", () => {
    const first = witnessCommitment([new Uint8Array(32).fill(1)]);
    const second = witnessCommitment([new Uint8Array(32).fill(2)]);
    const outputs = [
      { value: 0n, scriptPubKey: witnessCommitmentScript(first) },
      payout,
      { value: 0n, scriptPubKey: Uint8Array.of(...witnessCommitmentScript(second), 0x01) },
    ];
    expect(findWitnessCommitment(outputs)).toEqual(second);
    expect(findWitnessCommitment([payout])).toBeNull();
    expect(findWitnessCommitment([{ value: 0n, scriptPubKey: witnessCommitmentScript(first).subarray(0, 37) }])).toBeNull();
  });
});

describe("block assembly", () => {
  it("a segwit block round-trips: merkle root over txids, commitment over wtxids, weight", () => {
    const spend = buildCoinbase({
      height: 7,
      scriptSigSuffix: Uint8Array.of(1, 2),
      outputs: [payout],
      witnessCommitment: witnessCommitment([]),
    });
    spend.inputs[0] = { prevTxid: new Uint8Array(32).fill(9), vout: 1, scriptSig: new Uint8Array(0), sequence: 0xfffffffd };
    const spendBytes = serializeTransaction(spend);
    const commitment = witnessCommitment([wtxid(spend)]);
    const coinbase = describeCoinbase(
      buildCoinbase({ height: 8, scriptSigSuffix: Uint8Array.of(0), outputs: [payout], witnessCommitment: commitment }),
    );
    const root = merkleRootFromPath(coinbase.txid, coinbaseMerklePath([txid(spend)]));
    const header = serializeHeader({
      version: 0x20000000,
      prevHash: new Uint8Array(32).fill(3),
      merkleRoot: root,
      time: 1_700_000_000,
      bits: 0x207fffff,
      nonce: 42,
    });
    const block = parseBlock(assembleBlock(header, coinbase.full, [spendBytes]));

    expect(block.transactions.map(txid)).toEqual([coinbase.txid, txid(spend)]);
    expect(merkleRoot(block.transactions.map(txid))).toEqual(block.header.merkleRoot);
    expect(findWitnessCommitment(block.transactions[0]?.outputs ?? [])).toEqual(witnessCommitment([wtxid(spend)]));
    expect(block.weight).toBe(80 * 4 + 4 + transactionWeight(block.transactions[0] as never) + transactionWeight(spend));
    expect(headerHash(block.headerBytes)).toEqual(headerHash(header));
  });

  it("rejects trailing bytes and a zero transaction count", () => {
    const header = new Uint8Array(80);
    expect(() => parseBlock(Uint8Array.of(...header, 0))).toThrow(BitcoinFormatError);
    const cb = fromHex(GENESIS_COINBASE);
    expect(() => parseBlock(Uint8Array.of(...assembleBlock(header, cb, []), 0))).toThrow(/trailing/);
  });
});
