import { describe, expect, it } from "@jest/globals";
import { fromHex, hashToDisplay, toHex } from "./bytes.js";
import { buildCoinbase } from "./coinbase.js";
import { blockSubsidy, REGTEST_HALVING_INTERVAL } from "./consensus.js";
import { BlockTemplateError, parseBlockTemplate, templateTxids } from "./gbt.js";
import { serializeTransaction, txid, wtxid } from "./tx.js";

const tx = buildCoinbase({ height: 3, scriptSigSuffix: Uint8Array.of(5), outputs: [{ value: 10n, scriptPubKey: fromHex("51") }] });
tx.inputs[0] = { prevTxid: new Uint8Array(32).fill(4), vout: 0, scriptSig: new Uint8Array(0), sequence: 0xffffffff };
const data = toHex(serializeTransaction(tx));

function template(overrides: Record<string, unknown> = {}, txOverrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 0x20000000,
    rules: ["csv", "!segwit"],
    previousblockhash: "11".repeat(32),
    transactions: [
      {
        data,
        txid: hashToDisplay(txid(tx)),
        hash: hashToDisplay(wtxid(tx)),
        depends: [],
        fee: 1500,
        sigops: 4,
        weight: 400,
        ...txOverrides,
      },
    ],
    coinbaseaux: { flags: "" },
    coinbasevalue: 5_000_001_500,
    longpollid: "abc",
    target: "7fffff".padEnd(64, "0"),
    mintime: 1_700_000_000,
    curtime: 1_700_000_100,
    mutable: ["time"],
    bits: "207fffff",
    height: 12,
    weightlimit: 4_000_000,
    default_witness_commitment: "6a24aa21a9ed".padEnd(76, "0"),
    ...overrides,
  };
}

describe("getblocktemplate parsing", () => {
  it("parses the bitcoind fields", () => {
    const t = parseBlockTemplate(template());
    expect(t.height).toBe(12);
    expect(t.bits).toBe(0x207fffff);
    expect(t.coinbaseValue).toBe(5_000_001_500n);
    expect(t.transactions[0]).toMatchObject({ fee: 1500n, sigops: 4, weight: 400, depends: [] });
    expect(templateTxids(t)).toEqual([txid(tx)]);
  });

  it("absent fee, sigops, weight and depends stay unknown, never zero (BIP22/145)", () => {
    const t = parseBlockTemplate(template({}, { fee: undefined, sigops: undefined, weight: undefined, depends: undefined }));
    const entry = t.transactions[0];
    expect(entry?.fee).toBeUndefined();
    expect(entry?.sigops).toBeUndefined();
    expect(entry?.weight).toBeUndefined();
    expect(entry?.depends).toBeUndefined();
  });

  it("computes txid and wtxid from the data when the node omits them", () => {
    const t = parseBlockTemplate(template({}, { txid: undefined, hash: undefined }));
    expect(t.transactions[0]?.txid).toBe(hashToDisplay(txid(tx)));
    expect(t.transactions[0]?.wtxid).toBe(hashToDisplay(wtxid(tx)));
  });

  it.each([
    [{ previousblockhash: "zz" }, "previousblockhash"],
    [{ height: -1 }, "height"],
    [{ coinbasevalue: 1.5 }, "coinbasevalue"],
    [{ bits: "1d00ff" }, "bits"],
    [{ transactions: {} }, "transactions"],
  ])("rejects a malformed template (%j) naming the field", (override, field) => {
    expect(() => parseBlockTemplate(template(override))).toThrow(BlockTemplateError);
    expect(() => parseBlockTemplate(template(override))).toThrow(field);
  });

  it.each([
    [{ data: "00" }, "data"],
    [{ txid: "00".repeat(32) }, "txid"],
    [{ fee: -1 }, "fee"],
    [{ depends: [1] }, "depends"],
  ])("rejects a malformed transaction entry (%j)", (override, field) => {
    expect(() => parseBlockTemplate(template({}, override))).toThrow(`transactions[0].${field}`);
  });
});

describe("subsidy", () => {
  it("halves on schedule", () => {
    expect(blockSubsidy(0)).toBe(5_000_000_000n);
    expect(blockSubsidy(209_999)).toBe(5_000_000_000n);
    expect(blockSubsidy(210_000)).toBe(2_500_000_000n);
    expect(blockSubsidy(149, REGTEST_HALVING_INTERVAL)).toBe(5_000_000_000n);
    expect(blockSubsidy(150, REGTEST_HALVING_INTERVAL)).toBe(2_500_000_000n);
    expect(blockSubsidy(64 * 210_000)).toBe(0n);
  });
});
