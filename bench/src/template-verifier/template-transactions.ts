// A mainnet-size template's transactions identified in this process, as a template source does when
// it reads them and the verifier does when it re-derives a proposal: each parsed, its txid, wtxid and
// weight computed (libs/bitcoin `parseTransactionWithIds`). Floor: sha256d of the same bytes a txid and
// a wtxid hash (the stripped and the full serialization), with no parsing.
import { parseTransactionWithIds, serializeTransaction, sha256d, type Transaction } from "@gatehouse/bitcoin";
import { percentiles } from "../lib/stats.js";

/** The mainnet-size case's template: 2,572 transactions, ~1.6 MB (see mainnet-size.ts). */
const TRANSACTIONS = 2_572;
const ROUNDS = Number(process.env.BENCH_TV_IDENTIFY_ROUNDS ?? 30);

const filled = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (seed * 31 + i * 7) & 0xff);

/**
 * Three of four spend 1–6 P2WPKH outputs (a 72-byte signature and a 33-byte key as witness), one
 * in four 1–2 P2PKH outputs (a 107-byte scriptSig, no witness); 2–3 outputs each.
 */
function templateTransaction(i: number): Uint8Array {
  const legacy = i % 4 === 3;
  const inputCount = legacy ? 1 + (i % 2) : 1 + (i % 6);
  const inputs = Array.from({ length: inputCount }, (_, k) => ({
    prevTxid: filled(32, i * 8 + k),
    vout: k,
    scriptSig: legacy ? filled(107, i + k) : new Uint8Array(0),
    sequence: 0xffff_fffd,
  }));
  const outputs = Array.from({ length: 2 + (i % 2) }, (_, k) => ({
    value: BigInt(10_000 + i + k),
    scriptPubKey: Uint8Array.of(0x00, 0x14, ...filled(20, i + k)),
  }));
  const tx: Transaction = {
    version: 2,
    inputs,
    outputs,
    witnesses: legacy ? null : inputs.map((_, k) => [filled(72, i + k), filled(33, i - k)]),
    locktime: 0,
  };
  return serializeTransaction(tx);
}

function timeRounds(work: () => void): number[] {
  const ms: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    work();
    ms.push(performance.now() - start);
  }
  return ms;
}

/** The serialized transactions of a mainnet-size template. */
export const mainnetSizeTransactions = (): Uint8Array[] => Array.from({ length: TRANSACTIONS }, (_, i) => templateTransaction(i));

export function runTemplateTransactions() {
  const transactions = mainnetSizeTransactions();
  const stripped = transactions.map((bytes) => serializeTransaction(parseTransactionWithIds(bytes).tx, false));
  const identify = () => {
    for (const bytes of transactions) parseTransactionWithIds(bytes);
  };
  const floor = () => {
    for (let i = 0; i < transactions.length; i++) {
      sha256d(stripped[i] as Uint8Array);
      sha256d(transactions[i] as Uint8Array);
    }
  };
  identify();
  floor();
  // Alternated, so a busy spell on the shared machine falls on both.
  const identifyMs: number[] = [];
  const floorMs: number[] = [];
  for (let i = 0; i < 2; i++) {
    identifyMs.push(...timeRounds(identify));
    floorMs.push(...timeRounds(floor));
  }
  const identified = percentiles(identifyMs);
  const hashed = percentiles(floorMs);
  return {
    what: "parse + txid + wtxid + weight of every transaction of a mainnet-size template, in process",
    transactions: TRANSACTIONS,
    bytes: transactions.reduce((n, bytes) => n + bytes.length, 0),
    rounds: identifyMs.length,
    msPerTemplate: identified,
    floor: { what: "sha256d of each transaction's stripped and full bytes", msPerTemplate: hashed },
    p50RatioToFloor: identified.p50 / hashed.p50,
  };
}
