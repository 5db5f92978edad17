import { BitcoinFormatError, concat, equalBytes, fromHex } from "./bytes.js";
import { sha256d } from "./hash.js";
import { merkleRoot } from "./merkle.js";
import { bip34HeightScript } from "./script.js";
import { isCoinbase, parseTransaction, serializeTransaction, type Transaction, type TxOutput, txid } from "./tx.js";

/** BIP141: the commitment output's script starts OP_RETURN, push 36, 0xaa21a9ed. */
export const WITNESS_COMMITMENT_HEADER = fromHex("6a24aa21a9ed");
export const WITNESS_RESERVED_VALUE = new Uint8Array(32);
export const MAX_COINBASE_SCRIPTSIG = 100;
export const MIN_COINBASE_SCRIPTSIG = 2;

export interface AssembledCoinbase {
  transaction: Transaction;
  /** As submitted in the block (keeps the BIP141 witness). */
  full: Uint8Array;
  /** Witness stripped: what the txid and the header's merkle root commit to. */
  stripped: Uint8Array;
  /** Raw byte order. */
  txid: Uint8Array;
}

/**
 * Standard-channel coinbase: prefix ‖ extranonce_prefix ‖ suffix (SV2 §5.3.16). The result must be
 * one coinbase transaction; both the segwit form (for the block) and the stripped form (for the txid) are returned.
 */
export function assembleStandardCoinbase(prefix: Uint8Array, extranoncePrefix: Uint8Array, suffix: Uint8Array): AssembledCoinbase {
  const transaction = parseTransaction(concat([prefix, extranoncePrefix, suffix]));
  if (!isCoinbase(transaction))
    throw new BitcoinFormatError("invalid_coinbase", "the assembled transaction is not a coinbase (one null-prevout input)");
  return describeCoinbase(transaction);
}

export function describeCoinbase(transaction: Transaction): AssembledCoinbase {
  return {
    transaction,
    full: serializeTransaction(transaction, true),
    stripped: serializeTransaction(transaction, false),
    txid: txid(transaction),
  };
}

/** BIP141 witness commitment hash: sha256d(witness_root ‖ reserved), the coinbase's wtxid taken as 32 zero bytes. */
export function witnessCommitment(otherWtxids: readonly Uint8Array[], reserved: Uint8Array = WITNESS_RESERVED_VALUE): Uint8Array {
  if (reserved.length !== 32) throw new BitcoinFormatError("invalid_witness_reserved_value", "the witness reserved value is 32 bytes");
  const root = merkleRoot([new Uint8Array(32), ...otherWtxids]);
  return sha256d(concat([root, reserved]));
}

export function witnessCommitmentScript(commitment: Uint8Array): Uint8Array {
  if (commitment.length !== 32) throw new BitcoinFormatError("invalid_witness_commitment", "a witness commitment is 32 bytes");
  return concat([WITNESS_COMMITMENT_HEADER, commitment]);
}

/** The committed hash of the coinbase's witness commitment; if several outputs match, the highest index wins (BIP141). */
export function findWitnessCommitment(outputs: readonly TxOutput[]): Uint8Array | null {
  for (let i = outputs.length - 1; i >= 0; i--) {
    const script = (outputs[i] as TxOutput).scriptPubKey;
    if (script.length >= 38 && equalBytes(script.subarray(0, 6), WITNESS_COMMITMENT_HEADER)) return Uint8Array.from(script.subarray(6, 38));
  }
  return null;
}

export interface CoinbaseSpec {
  height: number;
  /** Bytes after the BIP34 height push (pool tag, extranonce…); scriptSig total must stay within 2..100 bytes. */
  scriptSigSuffix?: Uint8Array;
  outputs: TxOutput[];
  /** When given, a commitment output is appended and the input carries the reserved value as its witness. */
  witnessCommitment?: Uint8Array;
  /** Default COINBASE_SEQUENCE. */
  sequence?: number;
  /** Default coinbaseLocktime(height). */
  locktime?: number;
}

/**
 * The coinbase's nSequence and nLockTime as Bitcoin Core's own templates and the SV2 Template
 * Provider set them: a final-but-not-max sequence and the previous height as lock time, so the
 * lock time is enforced and the coinbase txid is unique per height (BIP54's coinbase rule,
 * prepared for in Core's src/node/miner.cpp).
 */
export const COINBASE_SEQUENCE = 0xfffffffe;
export const coinbaseLocktime = (height: number): number => Math.max(0, height - 1);

/** Builds a coinbase transaction: BIP34 height push first, optional BIP141 commitment last. */
export function buildCoinbase(spec: CoinbaseSpec): Transaction {
  const scriptSig = concat([bip34HeightScript(spec.height), spec.scriptSigSuffix ?? new Uint8Array(0)]);
  if (scriptSig.length < MIN_COINBASE_SCRIPTSIG || scriptSig.length > MAX_COINBASE_SCRIPTSIG) {
    throw new BitcoinFormatError("bad_cb_length", `coinbase scriptSig is ${scriptSig.length} bytes; consensus allows 2..100`);
  }
  const outputs = spec.outputs.slice();
  if (spec.witnessCommitment) outputs.push({ value: 0n, scriptPubKey: witnessCommitmentScript(spec.witnessCommitment) });
  return {
    version: 2,
    inputs: [{ prevTxid: new Uint8Array(32), vout: 0xffffffff, scriptSig, sequence: spec.sequence ?? COINBASE_SEQUENCE }],
    outputs,
    witnesses: spec.witnessCommitment ? [[WITNESS_RESERVED_VALUE]] : null,
    locktime: spec.locktime ?? coinbaseLocktime(spec.height),
  };
}
