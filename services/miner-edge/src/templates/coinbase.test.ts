import { hashToDisplay, merkleRoot, parseBlock, parseTransaction, serializeHeader, type Transaction, txid } from "@gatehouse/bitcoin";
import { describe, expect, it } from "@jest/globals";
import { templateFixture } from "../../test/template-fixture.js";
import { assembleFoundBlock } from "./block.js";
import { channelMerkleRoot, coinbaseParts, coinbaseTxid, fullCoinbase } from "./coinbase.js";

describe("per-channel coinbase and merkle root", () => {
  const template = templateFixture({ templateId: 7n, txCount: 4 });
  const parts = coinbaseParts(template, 8);
  const a = Uint8Array.of(0, 1, 0, 0, 0, 0, 0, 1);
  const b = Uint8Array.of(0, 1, 0, 0, 0, 0, 0, 2);

  it("the stripped txid equals libs/bitcoin's txid of the full coinbase, which keeps its witness", () => {
    const tx = parseTransaction(fullCoinbase(parts, a));
    expect(tx.witnesses).not.toBeNull();
    expect(hashToDisplay(coinbaseTxid(parts, a))).toBe(hashToDisplay(txid(tx)));
    expect(Buffer.from(tx.inputs[0]?.scriptSig ?? []).subarray(-8)).toEqual(Buffer.from(a));
  });

  it("the root from the path equals the merkle root over all txids, and differs per extranonce prefix", () => {
    const others = template.transactions.map((t) => txid(parseTransaction(t.data)));
    expect(channelMerkleRoot(parts, a, template.merklePath)).toEqual(merkleRoot([coinbaseTxid(parts, a), ...others]));
    expect(channelMerkleRoot(parts, a, template.merklePath)).not.toEqual(channelMerkleRoot(parts, b, template.merklePath));
  });

  it("refuses template material that is not one coinbase transaction", () => {
    const broken = templateFixture({ templateId: 8n });
    broken.coinbaseTxOutputsCount = 5;
    expect(() => coinbaseParts(broken, 8)).toThrow();
  });

  it("a found block parses back with the channel's coinbase first and the template's transactions", () => {
    const header = serializeHeader({
      version: 0x20000000,
      prevHash: new Uint8Array(32),
      merkleRoot: channelMerkleRoot(parts, a, template.merklePath),
      time: 1,
      bits: template.nbits,
      nonce: 2,
    });
    const block = parseBlock(assembleFoundBlock(template, parts, a, header));
    expect(block.transactions).toHaveLength(5);
    expect(txid(block.transactions[0] as Transaction)).toEqual(coinbaseTxid(parts, a));
  });
});
