import { assembleStandardCoinbase, compactSize, concat, merkleRootFromPath, sha256d, u32le } from "@gatehouse/bitcoin";
import type { TemplateProposal } from "@gatehouse/proto/mining/v1";
import { EXTRANONCE_PREFIX_BYTES } from "../protocol/extranonce.js";

/**
 * A template's coinbase split around the channel's extranonce prefix, in both serializations:
 * the stripped one hashes to the txid the header commits to, the full one (BIP141 witness) goes
 * into a found block. Built once per template so each channel costs one sha256d plus the path.
 */
export interface CoinbaseParts {
  strippedPrefix: Uint8Array;
  fullPrefix: Uint8Array;
  /** Identical for both forms up to the witness, so kept separately. */
  strippedSuffix: Uint8Array;
  fullSuffix: Uint8Array;
  extranonceLength: number;
}

const NULL_PREVOUT = concat([new Uint8Array(32), Uint8Array.of(0xff, 0xff, 0xff, 0xff)]);
const SEGWIT_MARKER = Uint8Array.of(0x00, 0x01);

/** Throws BitcoinFormatError when the template's material does not form one coinbase transaction. */
export function coinbaseParts(template: TemplateProposal, extranonceLength: number): CoinbaseParts {
  const scriptSigLength = template.coinbasePrefix.length + extranonceLength;
  const head = [u32le(template.coinbaseTxVersion)];
  const input = [Uint8Array.of(1), NULL_PREVOUT, compactSize(scriptSigLength), template.coinbasePrefix];
  const outputs = [u32le(template.coinbaseTxInputSequence), compactSize(template.coinbaseTxOutputsCount), template.coinbaseTxOutputs];
  const reserved = template.coinbaseWitnessReservedValue;
  const witness = reserved.length > 0 ? [Uint8Array.of(1), compactSize(reserved.length), reserved] : [];
  const locktime = u32le(template.coinbaseTxLocktime);
  const parts: CoinbaseParts = {
    strippedPrefix: concat([...head, ...input]),
    fullPrefix: concat([...head, ...(reserved.length > 0 ? [SEGWIT_MARKER] : []), ...input]),
    strippedSuffix: concat([...outputs, locktime]),
    fullSuffix: concat([...outputs, ...witness, locktime]),
    extranonceLength,
  };
  // Parse once with libs/bitcoin so a malformed template fails here, not when a block is found.
  assembleStandardCoinbase(parts.fullPrefix, new Uint8Array(extranonceLength), parts.fullSuffix);
  return parts;
}

/** Raw-order txid of the channel's coinbase. */
export function coinbaseTxid(parts: CoinbaseParts, extranoncePrefix: Uint8Array): Uint8Array {
  return sha256d(concat([parts.strippedPrefix, extranoncePrefix, parts.strippedSuffix]));
}

/** The merkle root of a standard job for the channel owning `extranoncePrefix` (raw byte order). */
export function channelMerkleRoot(parts: CoinbaseParts, extranoncePrefix: Uint8Array, merklePath: readonly Uint8Array[]): Uint8Array {
  return merkleRootFromPath(coinbaseTxid(parts, extranoncePrefix), merklePath);
}

/** The coinbase as it goes into a block (with its witness). */
export function fullCoinbase(parts: CoinbaseParts, extranoncePrefix: Uint8Array): Uint8Array {
  return concat([parts.fullPrefix, extranoncePrefix, parts.fullSuffix]);
}

/** Parts per template per extranonce length: extended channels' scriptSig is longer than standard ones'. */
const partsByLength = new WeakMap<TemplateProposal, Map<number, CoinbaseParts>>();

/** The template's coinbase split for `extranonceLength` bytes of extranonce, built once per template and length. */
export function coinbasePartsFor(template: TemplateProposal, extranonceLength: number): CoinbaseParts {
  let byLength = partsByLength.get(template);
  if (!byLength) {
    byLength = new Map();
    partsByLength.set(template, byLength);
  }
  let parts = byLength.get(extranonceLength);
  if (!parts) {
    parts = coinbaseParts(template, extranonceLength);
    byLength.set(extranonceLength, parts);
  }
  return parts;
}

/**
 * The coinbase split a channel's jobs and shares use: a standard channel's is the template's own
 * (room for the 8-byte prefix); an extended channel's leaves room for the miner's extranonce too.
 */
export function channelCoinbaseParts(
  template: { proposal: TemplateProposal; parts: CoinbaseParts },
  channel: { extended: boolean; extranonceSize: number },
): CoinbaseParts {
  return channel.extended ? coinbasePartsFor(template.proposal, EXTRANONCE_PREFIX_BYTES + channel.extranonceSize) : template.parts;
}
