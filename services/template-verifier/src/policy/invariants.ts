import {
  BitcoinFormatError,
  ByteReader,
  blockSubsidy,
  coinbaseMerklePath,
  equalBytes,
  findWitnessCommitment,
  hashToDisplay,
  hasWitness,
  type IdentifiedTransaction,
  legacySigops,
  MAX_BLOCK_SIGOPS_COST,
  MAX_BLOCK_WEIGHT,
  parseBip34Height,
  parseTransactionWithIds,
  type Transaction,
  type TxOutput,
  WITNESS_RESERVED_VALUE,
  WITNESS_SCALE_FACTOR,
  witnessCommitment,
} from "@gatehouse/bitcoin";
import type { TemplateProposal, TemplateTransaction } from "@gatehouse/proto/mining/v1";

/** A failed re-derivation: which invariant, and what was found. */
export interface InvariantFailure {
  invariant: string;
  detail: string;
}

export interface Derived {
  weight: number;
  txids: string[];
}

/** Minimal coinbase prefix: the BIP34 push of a height is at most 1 + 8 bytes, the TDP allows 8. */
export const MAX_COINBASE_PREFIX = 8;
const MIN_OUTPUT_BYTES = 9;

export function readOutputs(bytes: Uint8Array, count: number): TxOutput[] {
  const r = new ByteReader(bytes, "coinbase_tx_outputs");
  if (count * MIN_OUTPUT_BYTES > bytes.length)
    throw new BitcoinFormatError("truncated", `coinbase_tx_outputs cannot hold ${count} outputs`);
  const outputs: TxOutput[] = [];
  for (let i = 0; i < count; i++) outputs.push({ value: r.u64(), scriptPubKey: Uint8Array.from(r.bytesOf(r.count(1))) });
  if (r.remaining !== 0) throw new BitcoinFormatError("invalid_outputs", `${r.remaining} bytes after ${count} coinbase outputs`);
  return outputs;
}

/**
 * Re-derives what the proposal declares from its raw transactions (ReserveGrid OS policy.rs's invariant step): decoding,
 * txids/wtxids, duplicates, null prevouts, merkle path, BIP34 height, coinbase value against subsidy + fees,
 * witness commitment over wtxids, weight, and the legacy sigop count as a floor of the declared sigop cost. Returns the first failure, or the derived values.
 */
export function rederive(
  p: TemplateProposal,
  transactions: readonly TemplateTransaction[],
  halvingInterval: number,
): InvariantFailure | Derived {
  if (transactions.length !== p.txCount) {
    return { invariant: "tx_count", detail: `declared tx_count ${p.txCount}, ${transactions.length} transactions supplied` };
  }
  if (p.blockVersion < 4) return { invariant: "header_version", detail: `block version ${p.blockVersion} < 4` };
  const txs: Transaction[] = [];
  const txidsRaw: Uint8Array[] = [];
  const wtxidsRaw: Uint8Array[] = [];
  const seen = new Set<string>();
  let weight = 0;
  let sigopsFloor = 0;
  for (const [i, entry] of transactions.entries()) {
    let read: IdentifiedTransaction;
    try {
      read = parseTransactionWithIds(entry.data);
    } catch (err) {
      return { invariant: "decode", detail: `transaction ${i}: ${(err as Error).message}` };
    }
    const { tx, txid: id, wtxid: wid, weight: w } = read;
    const idHex = hashToDisplay(id);
    if (idHex !== entry.txid.toLowerCase())
      return { invariant: "txid", detail: `transaction ${i}: data hashes to ${idHex}, declared ${entry.txid}` };
    if (entry.wtxid && hashToDisplay(wid) !== entry.wtxid.toLowerCase())
      return { invariant: "wtxid", detail: `transaction ${i}: wtxid mismatch` };
    if (seen.has(idHex)) return { invariant: "duplicate_txid", detail: `transaction ${i} repeats ${idHex}` };
    seen.add(idHex);
    if (tx.inputs.some((input) => input.vout === 0xffffffff && input.prevTxid.every((b) => b === 0))) {
      return { invariant: "null_prevout", detail: `transaction ${i} spends a null prevout` };
    }
    // Legacy sigops ×4 are a lower bound of a transaction's sigop cost (P2SH and witness sigops need the spent outputs).
    const sigopFloor =
      WITNESS_SCALE_FACTOR *
      (tx.inputs.reduce((n, i) => n + legacySigops(i.scriptSig), 0) + tx.outputs.reduce((n, o) => n + legacySigops(o.scriptPubKey), 0));
    if (entry.sigops !== undefined && entry.sigops < sigopFloor) {
      return {
        invariant: "tx_sigops",
        detail: `transaction ${i}: declared sigop cost ${entry.sigops} < ${sigopFloor} counted in its scripts`,
      };
    }
    sigopsFloor += sigopFloor;
    if (entry.weight !== undefined && entry.weight !== w)
      return { invariant: "tx_weight", detail: `transaction ${i}: weight ${w}, declared ${entry.weight}` };
    weight += w;
    txs.push(tx);
    txidsRaw.push(id);
    wtxidsRaw.push(wid);
  }
  if (p.templateWeight !== undefined && Number(p.templateWeight) !== weight) {
    return { invariant: "template_weight", detail: `transactions weigh ${weight}, declared ${p.templateWeight}` };
  }
  if (weight > MAX_BLOCK_WEIGHT) return { invariant: "block_weight", detail: `transactions weigh ${weight} > ${MAX_BLOCK_WEIGHT}` };
  if (sigopsFloor > MAX_BLOCK_SIGOPS_COST)
    return { invariant: "block_sigops", detail: `transactions carry at least ${sigopsFloor} sigop cost > ${MAX_BLOCK_SIGOPS_COST}` };

  const path = coinbaseMerklePath(txidsRaw);
  if (path.length !== p.merklePath.length || path.some((h, i) => !equalBytes(h, p.merklePath[i] as Uint8Array))) {
    return { invariant: "merkle_path", detail: "merkle path does not match the transactions' txids" };
  }

  if (p.coinbasePrefix.length > MAX_COINBASE_PREFIX) {
    return { invariant: "coinbase_prefix", detail: `coinbase prefix is ${p.coinbasePrefix.length} bytes (max ${MAX_COINBASE_PREFIX})` };
  }
  const height = parseBip34Height(p.coinbasePrefix);
  if (height !== p.blockHeight)
    return { invariant: "bip34_height", detail: `coinbase prefix pushes height ${height ?? "none"}, block height ${p.blockHeight}` };

  let outputs: TxOutput[];
  try {
    outputs = readOutputs(p.coinbaseTxOutputs, p.coinbaseTxOutputsCount);
  } catch (err) {
    return { invariant: "coinbase_outputs", detail: (err as Error).message };
  }
  const paid = outputs.reduce((sum, o) => sum + o.value, 0n);
  if (paid > p.coinbaseValue)
    return { invariant: "coinbase_value", detail: `coinbase outputs pay ${paid} > coinbase value ${p.coinbaseValue}` };
  if (p.totalFees !== undefined) {
    const allowed = blockSubsidy(p.blockHeight, halvingInterval) + p.totalFees;
    if (p.coinbaseValue > allowed)
      return { invariant: "coinbase_value", detail: `coinbase value ${p.coinbaseValue} > subsidy + fees ${allowed}` };
  }

  const reserved = p.coinbaseWitnessReservedValue.length > 0 ? p.coinbaseWitnessReservedValue : WITNESS_RESERVED_VALUE;
  const committed = findWitnessCommitment(outputs);
  if (committed) {
    let expected: Uint8Array;
    try {
      expected = witnessCommitment(wtxidsRaw, reserved);
    } catch (err) {
      return { invariant: "witness_commitment", detail: (err as Error).message };
    }
    if (!equalBytes(committed, expected))
      return { invariant: "witness_commitment", detail: "witness commitment does not match the wtxids" };
  } else if (txs.some(hasWitness)) {
    return { invariant: "witness_commitment", detail: "transactions carry witnesses but the coinbase has no witness commitment" };
  }
  return { weight, txids: txidsRaw.map(hashToDisplay) };
}

export function isFailure(result: InvariantFailure | Derived): result is InvariantFailure {
  return "invariant" in result;
}
