import { nativeSecp256k1 } from "@gatehouse/secp256k1";
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { bytesToHex, type Hex, type TransactionSerializable } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { localAccount } from "./local-account.js";

const ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const privateKey = fc.bigInt({ min: 1n, max: ORDER - 1n }).map((k) => `0x${k.toString(16).padStart(64, "0")}` as Hex);
const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => bytesToHex(b));
const data = fc.uint8Array({ maxLength: 200 }).map((b) => bytesToHex(b));
const wei = fc.bigInt({ min: 0n, max: 2n ** 96n });
const common = {
  chainId: fc.integer({ min: 1, max: 2 ** 31 }),
  nonce: fc.integer({ min: 0, max: 2 ** 32 }),
  gas: fc.bigInt({ min: 21_000n, max: 30_000_000n }),
  to: address,
  data,
  value: wei,
};
const transaction: fc.Arbitrary<TransactionSerializable> = fc.oneof(
  fc
    .record({ ...common, type: fc.constant("eip1559" as const), maxFeePerGas: wei, maxPriorityFeePerGas: wei })
    .filter((tx) => tx.maxPriorityFeePerGas <= tx.maxFeePerGas),
  fc.record({ ...common, type: fc.constant("eip2930" as const), gasPrice: wei, accessList: fc.constant([]) }),
  fc.record({ ...common, type: fc.constant("legacy" as const), gasPrice: wei }),
);

describe("localAccount", () => {
  it("loads the native binding on this machine (else the comparison below compares viem with itself)", () => {
    expect(nativeSecp256k1).toBeDefined();
    expect(localAccount(`0x${"11".repeat(32)}`).signTransaction).not.toBe(privateKeyToAccount(`0x${"11".repeat(32)}`).signTransaction);
  });

  it("signs any transaction to the same bytes as viem's own account, for any key", async () => {
    await fc.assert(
      fc.asyncProperty(privateKey, transaction, async (key, tx) => {
        const ours = localAccount(key);
        const viems = privateKeyToAccount(key);
        expect(ours.address).toBe(viems.address);
        expect(await ours.signTransaction(tx)).toBe(await viems.signTransaction(tx));
      }),
      { numRuns: 300 },
    );
  });

  it("refuses what viem refuses, with viem's error", async () => {
    const key: Hex = `0x${"33".repeat(32)}`;
    const tx = { chainId: 1, type: "eip1559", nonce: 0, gas: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 2n } as const;
    await expect(privateKeyToAccount(key).signTransaction(tx)).rejects.toThrow("cannot be higher than the fee cap");
    await expect(localAccount(key).signTransaction(tx)).rejects.toThrow("cannot be higher than the fee cap");
  });

  it("is viem's account where the binding does not load", () => {
    const key: Hex = `0x${"22".repeat(32)}`;
    const account = localAccount(key, undefined);
    expect(account.address).toBe(privateKeyToAccount(key).address);
    expect(account.source).toBe("privateKey");
  });
});
