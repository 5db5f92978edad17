import type { Address, Hex } from "viem";

/** A signed transaction as persisted before its broadcast. */
export interface TxRecord {
  /** `<workflow id>:<step>`: the record is pruned with its workflow. */
  key: string;
  signer: Address;
  nonce: number;
  to: Address;
  data: Hex;
  gas: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  raw: Hex;
  /** Every hash signed for this nonce (fee-bump replacements append); whichever is mined counts. */
  hashes: Hex[];
  sentAt: number;
  status: "signed" | "sent" | "confirmed" | "reverted";
}

/**
 * A TxRecord as text fields: the one encoding of the record, a Redis hash field for field and a
 * PostgreSQL row read as text (`to` is the `to_address` column). Amounts are decimal strings (they
 * outgrow a double), `hashes` a JSON array.
 */
export interface TxRecordFields {
  key: string;
  signer: string;
  nonce: string;
  to: string;
  data: string;
  gas: string;
  max_fee_per_gas: string;
  max_priority_fee_per_gas: string;
  raw: string;
  hashes: string;
  sent_at: string;
  status: string;
}

/** The fields a fee-bump replacement rewrites. */
export type ReplacementFields = Pick<TxRecordFields, "raw" | "hashes" | "max_fee_per_gas" | "max_priority_fee_per_gas">;

export function encodeTxRecord(r: TxRecord): TxRecordFields {
  return {
    key: r.key,
    signer: r.signer,
    nonce: String(r.nonce),
    to: r.to,
    data: r.data,
    gas: String(r.gas),
    ...encodeReplacement(r),
    sent_at: String(r.sentAt),
    status: r.status,
  };
}

export function encodeReplacement(r: TxRecord): ReplacementFields {
  return {
    raw: r.raw,
    hashes: JSON.stringify(r.hashes),
    max_fee_per_gas: String(r.maxFeePerGas),
    max_priority_fee_per_gas: String(r.maxPriorityFeePerGas),
  };
}

/** The record, or undefined when there is none (no fields: Redis answers an empty hash for a missing key). */
export function decodeTxRecord(fields: Partial<Record<keyof TxRecordFields, string | null>>): TxRecord | undefined {
  if (!fields.raw) return undefined;
  return {
    key: fields.key as string,
    signer: fields.signer as Address,
    nonce: Number(fields.nonce),
    to: fields.to as Address,
    data: fields.data as Hex,
    gas: BigInt(fields.gas as string),
    maxFeePerGas: BigInt(fields.max_fee_per_gas as string),
    maxPriorityFeePerGas: BigInt(fields.max_priority_fee_per_gas as string),
    raw: fields.raw as Hex,
    hashes: JSON.parse(fields.hashes as string) as Hex[],
    sentAt: Number(fields.sent_at ?? 0),
    status: fields.status as TxRecord["status"],
  };
}

/** The workflow a record belongs to (its key is `<workflow id>:<step>`): records are pruned with it. */
export const workflowOfTxKey = (key: string): string => key.slice(0, key.indexOf(":"));
