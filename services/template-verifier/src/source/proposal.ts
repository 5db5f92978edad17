import { create } from "@bufbuild/protobuf";
import {
  type BlockTemplate,
  bip34HeightScript,
  COINBASE_SEQUENCE,
  coinbaseLocktime,
  coinbaseMerklePath,
  compactSize,
  concat,
  legacySigops,
  type TxOutput,
  templateTxids,
  templateWtxids,
  u64le,
  u256FromBEHex,
  u256ToLE,
  WITNESS_RESERVED_VALUE,
  WITNESS_SCALE_FACTOR,
  witnessCommitment,
  witnessCommitmentScript,
} from "@gatehouse/bitcoin";
import { createMessage } from "@gatehouse/bus";
import {
  type TemplateProposal,
  TemplateProposalSchema,
  type TemplateTransaction,
  TemplateTransactionSchema,
} from "@gatehouse/proto/mining/v1";
import { PROPOSAL_PROTOCOL_VERSION } from "../policy/policy.js";
import type { ProposalWithTransactions } from "../policy/verify.js";

export interface ProposalOptions {
  templateId: bigint;
  source: string;
  sourceInstanceId: string;
  /** scriptPubKey of the pool's payout output. */
  payoutScript: Uint8Array;
  createdAtMs: number;
}

function serializeOutputs(outputs: readonly TxOutput[]): Uint8Array {
  return concat(outputs.flatMap((o) => [u64le(o.value), compactSize(o.scriptPubKey.length), o.scriptPubKey]));
}

function sumKnown<T>(items: readonly T[], pick: (item: T) => number | bigint | undefined): bigint | undefined {
  let total = 0n;
  for (const item of items) {
    const value = pick(item);
    if (value === undefined) return undefined;
    total += BigInt(value);
  }
  return total;
}

/** A template as a source hands it over: the proposal for the bus and its transactions for the object store. */
export interface SourcedTemplate {
  proposal: TemplateProposal;
  /** Block order, coinbase excluded. */
  transactions: TemplateTransaction[];
}

/** The proposal as the policy checks it, with its transactions at hand. */
export const withTransactions = (t: SourcedTemplate): ProposalWithTransactions => ({ ...t.proposal, transactions: t.transactions });

/**
 * Turns a getblocktemplate result into a TemplateProposal: NewTemplate-style coinbase material (BIP34
 * prefix, payout + witness commitment outputs, merkle path) and the policy summary. A summary field is
 * left unset when any transaction's value is unknown (BIP22/145), never summed as zero.
 */
export function proposalFromTemplate(t: BlockTemplate, o: ProposalOptions): SourcedTemplate {
  const txids = templateTxids(t);
  const segwit = t.rules.some((rule) => rule.replace(/^!/, "") === "segwit") || t.defaultWitnessCommitment !== undefined;
  const outputs: TxOutput[] = [{ value: t.coinbaseValue, scriptPubKey: o.payoutScript }];
  if (segwit) outputs.push({ value: 0n, scriptPubKey: witnessCommitmentScript(witnessCommitment(templateWtxids(t))) });
  const fees = sumKnown(t.transactions, (tx) => tx.fee);
  const weight = sumKnown(t.transactions, (tx) => tx.weight);
  const sigops = sumKnown(t.transactions, (tx) => tx.sigops);
  const coinbaseSigops = outputs.reduce((sum, out) => sum + legacySigops(out.scriptPubKey), 0) * WITNESS_SCALE_FACTOR;
  const proposal = createMessage(TemplateProposalSchema, {
    templateId: o.templateId,
    source: o.source,
    sourceInstanceId: o.sourceInstanceId,
    protocolVersion: PROPOSAL_PROTOCOL_VERSION,
    futureTemplate: false,
    blockHeight: t.height,
    prevHash: t.previousBlockHash,
    blockVersion: t.version,
    nbits: t.bits,
    target: u256ToLE(u256FromBEHex(t.target)),
    headerTimestamp: t.curTime,
    minNtime: t.minTime,
    coinbaseTxVersion: 2,
    coinbasePrefix: bip34HeightScript(t.height),
    coinbaseTxInputSequence: COINBASE_SEQUENCE,
    coinbaseTxValueRemaining: t.coinbaseValue,
    coinbaseTxOutputsCount: outputs.length,
    coinbaseTxOutputs: serializeOutputs(outputs),
    coinbaseTxLocktime: coinbaseLocktime(t.height),
    coinbaseWitnessReservedValue: segwit ? WITNESS_RESERVED_VALUE : new Uint8Array(0),
    merklePath: coinbaseMerklePath(txids),
    txCount: t.transactions.length,
    coinbaseValue: t.coinbaseValue,
    totalFees: fees,
    templateWeight: weight,
    totalSigops: sigops === undefined ? undefined : Number(sigops),
    coinbaseSigops,
    createdAtUnixMs: BigInt(o.createdAtMs),
    upstreamRef: t.longPollId ?? "",
  });
  const transactions = t.transactions.map((tx) =>
    create(TemplateTransactionSchema, {
      data: tx.data,
      txid: tx.txid,
      wtxid: tx.wtxid,
      fee: tx.fee,
      sigops: tx.sigops,
      weight: tx.weight,
      depends: tx.depends ?? [],
    }),
  );
  return { proposal, transactions };
}
