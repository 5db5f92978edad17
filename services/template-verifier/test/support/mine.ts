import {
  assembleBlock,
  ByteReader,
  concat,
  describeCoinbase,
  hashFromDisplay,
  hashMeetsTarget,
  hashToDisplay,
  headerHash,
  merkleRootFromPath,
  serializeHeader,
  type Transaction,
  type TxOutput,
  u256FromLE,
} from "@gatehouse/bitcoin";
import type { ProposalWithTransactions } from "../../src/policy/verify.js";

export interface MinedBlock {
  block: Uint8Array;
  header: Uint8Array;
  coinbase: Uint8Array;
  hash: string;
  nonce: number;
  time: number;
}

function outputsOf(p: ProposalWithTransactions): TxOutput[] {
  const r = new ByteReader(p.coinbaseTxOutputs, "outputs");
  const outputs: TxOutput[] = [];
  for (let i = 0; i < p.coinbaseTxOutputsCount; i++) outputs.push({ value: r.u64(), scriptPubKey: Uint8Array.from(r.bytesOf(r.count(1))) });
  return outputs;
}

/**
 * What a miner does with a proposal: coinbase = prefix ‖ extranonce in the scriptSig, the proposal's
 * outputs, the witness reserved value; merkle root from the path; nonce ground to the network target.
 */
export function mineProposal(
  p: ProposalWithTransactions,
  options: { extranonce?: Uint8Array; merkleRoot?: Uint8Array; scriptSig?: Uint8Array; startNonce?: number } = {},
): MinedBlock {
  const extranonce = options.extranonce ?? Uint8Array.of(0x08, 1, 2, 3, 4, 5, 6, 7, 8);
  const tx: Transaction = {
    version: p.coinbaseTxVersion,
    inputs: [
      {
        prevTxid: new Uint8Array(32),
        vout: 0xffffffff,
        scriptSig: options.scriptSig ?? concat([p.coinbasePrefix, extranonce]),
        sequence: p.coinbaseTxInputSequence,
      },
    ],
    outputs: outputsOf(p),
    witnesses: p.coinbaseWitnessReservedValue.length > 0 ? [[p.coinbaseWitnessReservedValue]] : null,
    locktime: p.coinbaseTxLocktime,
  };
  const coinbase = describeCoinbase(tx);
  const merkleRoot = options.merkleRoot ?? merkleRootFromPath(coinbase.txid, p.merklePath);
  const target = u256FromLE(p.target);
  const time = Math.max(p.headerTimestamp, p.minNtime);
  const first = options.startNonce ?? 0;
  for (let nonce = first; nonce < first + 1_000_000; nonce++) {
    const header = serializeHeader({
      version: p.blockVersion,
      prevHash: hashFromDisplay(p.prevHash),
      merkleRoot,
      time,
      bits: p.nbits,
      nonce,
    });
    const hash = headerHash(header);
    if (hashMeetsTarget(hash, target)) {
      return {
        block: assembleBlock(
          header,
          coinbase.full,
          p.transactions.map((t) => t.data),
        ),
        header,
        coinbase: coinbase.full,
        hash: hashToDisplay(hash),
        nonce,
        time,
      };
    }
  }
  throw new Error("no nonce met the target (is this regtest?)");
}
