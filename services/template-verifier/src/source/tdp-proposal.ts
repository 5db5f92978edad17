import { create } from "@bufbuild/protobuf";
import {
  BitcoinFormatError,
  ByteReader,
  compactSize,
  concat,
  hashToDisplay,
  legacySigops,
  parseBip34Height,
  parseTransactionWithIds,
  type TxOutput,
  u64le,
  WITNESS_RESERVED_VALUE,
  WITNESS_SCALE_FACTOR,
} from "@gatehouse/bitcoin";
import { createMessage } from "@gatehouse/bus";
import { TemplateProposalSchema, TemplateTransactionSchema } from "@gatehouse/proto/mining/v1";
import type { MessageFields } from "@gatehouse/sv2";
import { PROPOSAL_PROTOCOL_VERSION } from "../policy/policy.js";
import type { SourcedTemplate } from "./proposal.js";

export interface TdpProposalOptions {
  source: string;
  sourceInstanceId: string;
  payoutScript: Uint8Array;
  createdAtMs: number;
}

const MIN_OUTPUT_BYTES = 9;

function readTpOutputs(bytes: Uint8Array, count: number): TxOutput[] {
  if (count * MIN_OUTPUT_BYTES > bytes.length)
    throw new BitcoinFormatError("truncated", `coinbase_tx_outputs cannot hold ${count} outputs`);
  const r = new ByteReader(bytes, "coinbase_tx_outputs");
  const outputs: TxOutput[] = [];
  for (let i = 0; i < count; i++) outputs.push({ value: r.u64(), scriptPubKey: Uint8Array.from(r.bytesOf(r.count(1))) });
  return outputs;
}

/**
 * A Template Distribution NewTemplate + SetNewPrevHash + RequestTransactionData.Success as a
 * TemplateProposal. The TP gives no fees or sigops: they stay unknown (never zero); the weight is
 * derived from the transactions. The pool's payout output (value_remaining) goes
 * first, the TP's required outputs (witness commitment) after it.
 */
export function proposalFromTdp(
  template: MessageFields<"NewTemplate">,
  prev: MessageFields<"SetNewPrevHashTdp">,
  transactions: readonly Uint8Array[],
  o: TdpProposalOptions,
): SourcedTemplate {
  const tpOutputs = readTpOutputs(template.coinbaseTxOutputs, template.coinbaseTxOutputsCount);
  const outputs: TxOutput[] = [{ value: template.coinbaseTxValueRemaining, scriptPubKey: o.payoutScript }, ...tpOutputs];
  const txs = transactions.map((data) => {
    const ids = parseTransactionWithIds(data);
    return create(TemplateTransactionSchema, {
      data,
      txid: hashToDisplay(ids.txid),
      wtxid: hashToDisplay(ids.wtxid),
      weight: ids.weight,
      depends: [],
    });
  });
  const proposal = createMessage(TemplateProposalSchema, {
    templateId: template.templateId,
    source: o.source,
    sourceInstanceId: o.sourceInstanceId,
    protocolVersion: PROPOSAL_PROTOCOL_VERSION,
    futureTemplate: template.futureTemplate,
    blockHeight: parseBip34Height(template.coinbasePrefix) ?? 0,
    prevHash: hashToDisplay(prev.prevHash),
    blockVersion: template.version,
    nbits: prev.nBits,
    target: prev.target,
    headerTimestamp: prev.headerTimestamp,
    minNtime: prev.headerTimestamp,
    coinbaseTxVersion: template.coinbaseTxVersion,
    coinbasePrefix: template.coinbasePrefix,
    coinbaseTxInputSequence: template.coinbaseTxInputSequence,
    coinbaseTxValueRemaining: template.coinbaseTxValueRemaining,
    coinbaseTxOutputsCount: outputs.length,
    coinbaseTxOutputs: concat(outputs.flatMap((out) => [u64le(out.value), compactSize(out.scriptPubKey.length), out.scriptPubKey])),
    coinbaseTxLocktime: template.coinbaseTxLocktime,
    coinbaseWitnessReservedValue: WITNESS_RESERVED_VALUE,
    merklePath: template.merklePath,
    txCount: txs.length,
    coinbaseValue: outputs.reduce((sum, out) => sum + out.value, 0n),
    totalFees: undefined,
    templateWeight: BigInt(txs.reduce((sum, t) => sum + (t.weight ?? 0), 0)),
    totalSigops: undefined,
    coinbaseSigops: outputs.reduce((sum, out) => sum + legacySigops(out.scriptPubKey), 0) * WITNESS_SCALE_FACTOR,
    createdAtUnixMs: BigInt(o.createdAtMs),
    upstreamRef: `tdp:${template.templateId}`,
  });
  return { proposal, transactions: txs };
}
