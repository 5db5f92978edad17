import { create } from "@bufbuild/protobuf";
import {
  buildCoinbase,
  hashToDisplay,
  merkleRoot,
  parseBlock,
  serializeHeader,
  serializeTransaction,
  type Transaction,
  txid,
} from "@gatehouse/bitcoin";
import { BlockFoundSchema, TemplateTransactionSchema } from "@gatehouse/proto/mining/v1";
import { describe, expect, it } from "@jest/globals";
import { assembleFoundBlock, BlockAssemblyError } from "./blocks.js";

const spend = (n: number): Transaction => ({
  version: 2,
  inputs: [{ prevTxid: new Uint8Array(32).fill(n), vout: n, scriptSig: Uint8Array.of(0x51), sequence: 0xfffffffd }],
  outputs: [{ value: BigInt(1_000 + n), scriptPubKey: Uint8Array.of(0x51) }],
  witnesses: null,
  locktime: 0,
});

describe("a found block assembled from its header, coinbase and the stored template transactions", () => {
  const txs = [spend(1), spend(2), spend(3)];
  const stored = txs.map((tx) => create(TemplateTransactionSchema, { data: serializeTransaction(tx), txid: hashToDisplay(txid(tx)) }));
  const coinbase = buildCoinbase({ height: 300, outputs: [{ value: 5_000n, scriptPubKey: Uint8Array.of(0x51) }] });
  const header = (root: Uint8Array) =>
    serializeHeader({ version: 0x20000000, prevHash: new Uint8Array(32), merkleRoot: root, time: 1, bits: 0x207fffff, nonce: 7 });
  const found = (root: Uint8Array) => create(BlockFoundSchema, { header: header(root), coinbaseTx: serializeTransaction(coinbase) });

  it("puts the coinbase first and the transactions in template order", () => {
    const root = merkleRoot([txid(coinbase), ...txs.map(txid)]);
    const block = parseBlock(assembleFoundBlock(found(root), stored));
    expect(block.transactions.map((t) => hashToDisplay(txid(t)))).toEqual([hashToDisplay(txid(coinbase)), ...stored.map((t) => t.txid)]);
  });

  it("refuses transactions that do not make the header's merkle root (another template's, or out of order)", () => {
    const root = merkleRoot([txid(coinbase), ...txs.map(txid)]);
    expect(() => assembleFoundBlock(found(root), stored.slice().reverse())).toThrow(BlockAssemblyError);
    expect(() => assembleFoundBlock(found(root), stored.slice(1))).toThrow(/merkle root/);
    expect(() => assembleFoundBlock(create(BlockFoundSchema, { header: new Uint8Array(10) }), stored)).toThrow(BlockAssemblyError);
    expect(() => assembleFoundBlock(create(BlockFoundSchema, { header: header(root), coinbaseTx: Uint8Array.of(1) }), stored)).toThrow(
      BlockAssemblyError,
    );
  });
});
