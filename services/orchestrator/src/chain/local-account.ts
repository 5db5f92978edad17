import { type NativeSecp256k1, nativeSecp256k1 } from "@gatehouse/secp256k1";
import { bytesToHex, type Hex, hexToBytes, keccak256, type LocalAccount, serializeTransaction } from "viem";
import { privateKeyToAccount } from "viem/accounts";

/**
 * viem's local account for `privateKey`, whose transactions are signed by libsecp256k1 where its
 * native binding loads. viem signs with noble (RFC 6979 nonces through noble's HMAC): about 340 µs a
 * transaction on this project's machine, 5.8 % of the orchestrator's CPU under load; natively 97 µs.
 * libsecp256k1 takes the same RFC 6979 nonce, so the signed bytes are the same (the tests compare
 * them). Messages and typed data, signed rarely, stay with viem.
 */
export function localAccount(privateKey: Hex, native: NativeSecp256k1 | undefined = nativeSecp256k1): LocalAccount {
  const account = privateKeyToAccount(privateKey);
  if (native === undefined) return account;
  const secretKey = hexToBytes(privateKey);
  const signTransaction: LocalAccount["signTransaction"] = async (transaction, options) => {
    const serializer = options?.serializer ?? serializeTransaction;
    // As viem: an EIP-4844 transaction is signed without its sidecars (its network wrapper).
    const signable = transaction.type === "eip4844" ? { ...transaction, sidecars: false } : transaction;
    const hash = hexToBytes(keccak256(await serializer(signable)));
    const { signature, recid } = native.ecdsaSign(hash, secretKey);
    const r = bytesToHex(signature.subarray(0, 32));
    const s = bytesToHex(signature.subarray(32, 64));
    return serializer(transaction, { r, s, v: recid === 1 ? 28n : 27n, yParity: recid });
  };
  return { ...account, signTransaction };
}
