import { fromHex } from "@gatehouse/bitcoin";
import { describe, expect, it } from "@jest/globals";
import { btcToSats, p2wpkhVsize, unsignedSpend, wifFromPrivateKey } from "./coins.js";
import { CoinsError } from "./errors.js";

const SCRIPT = fromHex("0014751e76e8199196d454941c45d1b3a323f1433bd6");

describe("wifFromPrivateKey", () => {
  it("encodes the private key 1 as the well-known testnet/regtest compressed WIF", () => {
    const one = new Uint8Array(32);
    one[31] = 1;
    expect(wifFromPrivateKey(one)).toBe("cMahea7zqjxrtgAbB7LSGbcQUr1uX1ojuat9jZodMN87JcbXMTcA");
  });
});

describe("unsignedSpend", () => {
  const coin = (vout: number, value: bigint) => ({ txid: "11".repeat(32), vout, value });

  it("splits the inputs, less the fee, into equal outputs and signals replaceability", () => {
    const tx = unsignedSpend([coin(0, 5_000_000_000n)], 2_000, SCRIPT, 62_079n);
    expect(tx.outputs).toHaveLength(2_000);
    expect(new Set(tx.outputs.map((o) => o.value))).toEqual(new Set([(5_000_000_000n - 62_079n) / 2_000n]));
    expect(tx.inputs[0]?.sequence).toBe(0xfffffffd);
    expect(tx.witnesses).toBeNull();
  });

  it("refuses outputs that would be dust", () => {
    expect(() => unsignedSpend([coin(0, 1_000n)], 2, SCRIPT, 100n)).toThrow(CoinsError);
    expect(() => unsignedSpend([coin(0, 1_000n)], 2, SCRIPT, 100n)).toThrow(/dust/);
  });
});

describe("sizes and amounts", () => {
  it("estimates a fan-out under the 100 kvB standard limit and a fill transaction at ~720 vB", () => {
    expect(p2wpkhVsize(1, 2_000)).toBeLessThan(100_000);
    expect(p2wpkhVsize(10, 1)).toBe(722);
  });

  it("converts Core's BTC amounts to satoshis exactly", () => {
    expect(btcToSats(50)).toBe(5_000_000_000n);
    expect(btcToSats(0.02499968)).toBe(2_499_968n);
  });
});
