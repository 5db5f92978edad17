import { hashToDisplay, merkleRoot, parseTransaction, txid } from "@gatehouse/bitcoin";
import { describe, expect, it } from "@jest/globals";
import { fixtureTransactions, templateFixture } from "../../test/template-fixture.js";
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
    const others = fixtureTransactions({ templateId: 7n, txCount: 4 }).map(txid);
    expect(channelMerkleRoot(parts, a, template.merklePath)).toEqual(merkleRoot([coinbaseTxid(parts, a), ...others]));
    expect(channelMerkleRoot(parts, a, template.merklePath)).not.toEqual(channelMerkleRoot(parts, b, template.merklePath));
  });

  it("refuses template material that is not one coinbase transaction", () => {
    const broken = templateFixture({ templateId: 8n });
    broken.coinbaseTxOutputsCount = 5;
    expect(() => coinbaseParts(broken, 8)).toThrow();
  });
});
