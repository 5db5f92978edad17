import { create } from "@bufbuild/protobuf";
import {
  bip34HeightScript,
  coinbaseMerklePath,
  compactSize,
  concat,
  nBitsToTarget,
  type Transaction,
  txid,
  u64le,
  u256ToLE,
  WITNESS_RESERVED_VALUE,
  witnessCommitment,
  witnessCommitmentScript,
  wtxid,
} from "@gatehouse/bitcoin";
import { type TemplateProposal, TemplateProposalSchema } from "@gatehouse/proto/mining/v1";

/** Regtest's nBits: roughly every second hash is a block. */
export const REGTEST_NBITS = 0x207fffff;
/** Difficulty 1: no test will ever hash a block at it. */
export const DIFF1_NBITS = 0x1d00ffff;

function spend(seed: number): Transaction {
  const prev = new Uint8Array(32).fill(seed);
  return {
    version: 2,
    inputs: [{ prevTxid: prev, vout: seed, scriptSig: Uint8Array.of(0x51), sequence: 0xfffffffd }],
    outputs: [{ value: BigInt(1000 + seed), scriptPubKey: Uint8Array.of(0x51) }],
    witnesses: null,
    locktime: 0,
  };
}

export interface FixtureOptions {
  templateId: bigint;
  prevHash?: string;
  height?: number;
  nbits?: number;
  txCount?: number;
  future?: boolean;
  headerTimestamp?: number;
}

/** The fixture template's transactions (block order, coinbase excluded): what its source would store. */
export function fixtureTransactions(o: Pick<FixtureOptions, "templateId" | "txCount">): Transaction[] {
  return Array.from({ length: o.txCount ?? 3 }, (_, i) => spend(i + 1 + Number(o.templateId % 200n)));
}

/** A self-consistent TemplateProposal built with libs/bitcoin: real transactions, path and commitment. */
export function templateFixture(o: FixtureOptions): TemplateProposal {
  const txs = fixtureTransactions(o);
  const nbits = o.nbits ?? DIFF1_NBITS;
  const commitment = witnessCommitmentScript(witnessCommitment(txs.map(wtxid)));
  const outputs = [
    { value: 5_000_000_000n, scriptPubKey: Uint8Array.of(0x51) },
    { value: 0n, scriptPubKey: commitment },
  ];
  const height = o.height ?? 200;
  const start = o.headerTimestamp ?? Math.floor(Date.now() / 1000);
  return create(TemplateProposalSchema, {
    templateId: o.templateId,
    source: "fixture",
    sourceInstanceId: "fixture-1",
    protocolVersion: 2,
    futureTemplate: o.future ?? false,
    blockHeight: height,
    prevHash: o.prevHash ?? "11".repeat(32),
    blockVersion: 0x20000000,
    nbits,
    target: u256ToLE(nBitsToTarget(nbits)),
    headerTimestamp: start,
    minNtime: start - 600,
    coinbaseTxVersion: 2,
    coinbasePrefix: bip34HeightScript(height),
    coinbaseTxInputSequence: 0xffffffff,
    coinbaseTxValueRemaining: 5_000_000_000n,
    coinbaseTxOutputsCount: outputs.length,
    coinbaseTxOutputs: concat(outputs.flatMap((out) => [u64le(out.value), compactSize(out.scriptPubKey.length), out.scriptPubKey])),
    coinbaseTxLocktime: 0,
    coinbaseWitnessReservedValue: WITNESS_RESERVED_VALUE,
    merklePath: coinbaseMerklePath(txs.map(txid)),
    txCount: txs.length,
    coinbaseValue: 5_000_000_000n,
    createdAtUnixMs: BigInt(Date.now()),
    // The transactions stay with the source (the object store); the edge only carries the reference on.
    transactionsRef: { bucket: "FIXTURE", name: `fixture-1.${o.templateId}`, sizeBytes: 0n, txCount: txs.length },
  });
}
