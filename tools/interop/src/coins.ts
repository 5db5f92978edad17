// Regtest coins without a wallet: one key the suite holds, coinbases mined to it, fanned out into
// thousands of outputs, then spent by standard witness transactions to fill Core's mempool. Core
// signs (`signrawtransactionwithkey`, which finds the coins in its UTXO set); the unsigned
// transactions are built here, since `createrawtransaction` refuses repeated addresses.
import { randomBytes } from "node:crypto";
import { fromHex, hashFromDisplay, serializeTransaction, type Transaction, toHex } from "@gatehouse/bitcoin";
import { base58CheckEncode } from "@gatehouse/sv2";
import { CoinsError } from "./errors.js";
import type { CoreRpc, RpcCall } from "./rpc.js";

export interface Utxo {
  /** Display hex. */
  txid: string;
  vout: number;
  value: bigint;
}

export interface RegtestKey {
  wif: string;
  address: string;
  scriptPubKey: Uint8Array;
}

/** Regtest/testnet WIF version byte; the trailing 0x01 marks a compressed public key. */
const WIF_TESTNET = 0xef;
const COINBASE_MATURITY = 100;
/** P2WPKH spend: 41 bytes in the base transaction, 108 in the witness (72-byte DER signature, 33-byte key). */
const P2WPKH_INPUT_VBYTES = 68;
const P2WPKH_OUTPUT_BYTES = 31;
const TX_OVERHEAD_VBYTES = 11;
/** sat/vB for fan-outs: twice the highest default relay floor Core has had, so estimate rounding never falls below it. */
const FAN_OUT_FEE_RATE = 2n;

export function wifFromPrivateKey(privateKey: Uint8Array): string {
  return base58CheckEncode(Uint8Array.from([WIF_TESTNET, ...privateKey, 0x01]));
}

/** A fresh key and its P2WPKH address, derived by Core from the `wpkh(<WIF>)` descriptor. */
export async function newRegtestKey(rpc: CoreRpc): Promise<RegtestKey> {
  const wif = wifFromPrivateKey(randomBytes(32));
  const info = await rpc.call<{ descriptor: string }>("getdescriptorinfo", [`wpkh(${wif})`]);
  const [address] = await rpc.call<string[]>("deriveaddresses", [info.descriptor]);
  if (!address) throw new CoinsError("deriveaddresses returned no address");
  const checked = await rpc.call<{ scriptPubKey: string }>("validateaddress", [address]);
  return { wif, address, scriptPubKey: fromHex(checked.scriptPubKey) };
}

/** Estimated virtual size of a P2WPKH-only transaction (signatures at their usual 72 bytes). */
export function p2wpkhVsize(inputs: number, outputs: number): number {
  return TX_OVERHEAD_VBYTES + inputs * P2WPKH_INPUT_VBYTES + outputs * P2WPKH_OUTPUT_BYTES;
}

/** An unsigned version-2 transaction spending `inputs` into equal outputs to `script`. */
export function unsignedSpend(inputs: readonly Utxo[], outputs: number, script: Uint8Array, fee: bigint): Transaction {
  const total = inputs.reduce((sum, u) => sum + u.value, 0n);
  const each = (total - fee) / BigInt(outputs);
  if (each <= 546n) throw new CoinsError(`outputs of ${each} sat would be dust`);
  return {
    version: 2,
    inputs: inputs.map((u) => ({ prevTxid: hashFromDisplay(u.txid), vout: u.vout, scriptSig: new Uint8Array(0), sequence: 0xfffffffd })),
    outputs: Array.from({ length: outputs }, () => ({ value: each, scriptPubKey: script })),
    witnesses: null,
    locktime: 0,
  };
}

/**
 * Signs and sends `txs` in batches; resolves with each sent transaction's txid and serialized
 * size. A transaction Core refuses fails the whole fill (they are standard by construction).
 */
export async function signAndSend(
  rpc: CoreRpc,
  key: RegtestKey,
  txs: readonly Transaction[],
  batch = 100,
): Promise<{ txid: string; bytes: number }[]> {
  const sent: { txid: string; bytes: number }[] = [];
  for (let i = 0; i < txs.length; i += batch) {
    const chunk = txs.slice(i, i + batch);
    const signCalls: RpcCall[] = chunk.map((tx) => ({
      method: "signrawtransactionwithkey",
      params: [toHex(serializeTransaction(tx)), [key.wif]],
    }));
    const signed = await rpc.batchResults<{ hex: string; complete: boolean; errors?: { error: string }[] }>(signCalls);
    for (const s of signed) if (!s.complete) throw new CoinsError(`signrawtransactionwithkey incomplete: ${s.errors?.[0]?.error ?? "?"}`);
    const txids = await rpc.batchResults<string>(signed.map((s) => ({ method: "sendrawtransaction", params: [s.hex] })));
    for (const [j, txid] of txids.entries()) sent.push({ txid, bytes: (signed[j]?.hex.length ?? 0) / 2 });
  }
  return sent;
}

/**
 * Mines `coinbases` blocks to the key plus 100 to mature them (Core mines these itself: setup, not
 * the path under test), then splits each coinbase into `outputsEach` equal outputs in one more
 * block or more. Returns the confirmed outputs.
 */
export async function fundKey(rpc: CoreRpc, key: RegtestKey, coinbases: number, outputsEach: number): Promise<Utxo[]> {
  const hashes = await rpc.call<string[]>("generatetoaddress", [coinbases, key.address]);
  await rpc.call("generatetoaddress", [COINBASE_MATURITY, key.address]);
  const blocks = await rpc.batchResults<{ tx: string[] }>(hashes.map((h) => ({ method: "getblock", params: [h, 1] })));
  const values = await rpc.batchResults<{ value: number }>(blocks.map((b) => ({ method: "gettxout", params: [b.tx[0], 0] })));
  const coinbaseUtxos: Utxo[] = blocks.map((b, i) => ({ txid: b.tx[0] as string, vout: 0, value: btcToSats(values[i]?.value ?? 0) }));
  const fanouts = coinbaseUtxos.map((u) =>
    unsignedSpend([u], outputsEach, key.scriptPubKey, FAN_OUT_FEE_RATE * BigInt(p2wpkhVsize(1, outputsEach))),
  );
  const sent = await signAndSend(rpc, key, fanouts, 4);
  // Each fan-out is ~62 kvB: a block holds about fifteen.
  for (let block = 0; (await rpc.call<{ size: number }>("getmempoolinfo")).size > 0; block++) {
    if (block * 15 > fanouts.length + 15) throw new CoinsError("the fan-out transactions do not confirm");
    await rpc.call("generatetoaddress", [1, key.address]);
  }
  return sent.flatMap(({ txid }, i) =>
    Array.from({ length: outputsEach }, (_, vout) => ({ txid, vout, value: fanouts[i]?.outputs[vout]?.value ?? 0n })),
  );
}

export interface Fill {
  transactions: number;
  /** Serialized bytes (with witness) of the transactions sent. */
  bytes: number;
  txids: string[];
}

/**
 * Spends `utxos` (taking them from the front of the array) in `inputsEach`-input, one-output P2WPKH
 * transactions at 2–6 sat/vB until `targetBytes` of transactions are in the mempool. Many inputs
 * per transaction make them witness-heavy, as mainnet blocks are: ~1.5 kB at ~2.9k weight each, so
 * 1.5 MB of them fits one block's 4M weight.
 */
export async function fillMempool(rpc: CoreRpc, key: RegtestKey, utxos: Utxo[], targetBytes: number, inputsEach = 10): Promise<Fill> {
  const fill: Fill = { transactions: 0, bytes: 0, txids: [] };
  const batch = 100;
  while (fill.bytes < targetBytes) {
    const txs: Transaction[] = [];
    for (let i = 0; i < batch && utxos.length >= inputsEach; i++) {
      const feeRate = BigInt(2 + ((fill.transactions + i) % 5));
      txs.push(unsignedSpend(utxos.splice(0, inputsEach), 1, key.scriptPubKey, feeRate * BigInt(p2wpkhVsize(inputsEach, 1))));
    }
    if (txs.length === 0) throw new CoinsError(`out of coins after ${fill.bytes} bytes of transactions; fund more`);
    for (const { txid, bytes } of await signAndSend(rpc, key, txs)) {
      fill.transactions += 1;
      fill.bytes += bytes;
      fill.txids.push(txid);
    }
  }
  return fill;
}

/** Core's amounts are BTC as JSON numbers with at most 8 decimals. */
export function btcToSats(btc: number): bigint {
  return BigInt(Math.round(btc * 1e8));
}
