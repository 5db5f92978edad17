import { BitcoinFormatError, fromHex, hashFromDisplay, hashToDisplay } from "./bytes.js";
import { parseTransactionWithIds } from "./tx.js";

/** One `getblocktemplate` transaction. Absent fee / sigops / weight / depends are unknown (BIP22/145), never zero. */
export interface GbtTransaction {
  data: Uint8Array;
  /** Display-order hex, as in the RPC. */
  txid: string;
  /** wtxid, display-order hex (BIP145 `hash`). */
  wtxid: string;
  /** 1-based indexes into the template's transactions. */
  depends: number[] | undefined;
  /** Satoshis. */
  fee: bigint | undefined;
  /** BIP141 sigop cost. */
  sigops: number | undefined;
  weight: number | undefined;
}

export interface BlockTemplate {
  version: number;
  rules: string[];
  /** Display-order hex. */
  previousBlockHash: string;
  transactions: GbtTransaction[];
  coinbaseAux: Record<string, string>;
  /** Satoshis: subsidy + fees. */
  coinbaseValue: bigint;
  longPollId: string | undefined;
  /** Big-endian hex. */
  target: string;
  minTime: number;
  curTime: number;
  bits: number;
  height: number;
  mutable: string[];
  sigopLimit: number | undefined;
  sizeLimit: number | undefined;
  weightLimit: number | undefined;
  /** The full scriptPubKey of the commitment output, hex. */
  defaultWitnessCommitment: string | undefined;
}

export class BlockTemplateError extends BitcoinFormatError {
  override readonly name = "BlockTemplateError";
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super("invalid_block_template", `getblocktemplate ${path}: ${problem}`);
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function int(obj: Json, key: string, path: string, { optional = false, min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    if (optional) return undefined;
    throw new BlockTemplateError(`${path}${key}`, "is missing");
  }
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new BlockTemplateError(`${path}${key}`, `must be an integer in ${min}..${max}`);
  }
  return value;
}

function requiredInt(obj: Json, key: string, path = "", limits: { min?: number; max?: number } = {}): number {
  return int(obj, key, path, limits) as number;
}

function str(obj: Json, key: string, path: string, pattern?: RegExp): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || (pattern && !pattern.test(value))) throw new BlockTemplateError(`${path}${key}`, "has the wrong format");
  return value;
}

function stringArray(obj: Json, key: string): string[] {
  const value = obj[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) throw new BlockTemplateError(key, "must be an array of strings");
  return value as string[];
}

const HASH_HEX = /^[0-9a-fA-F]{64}$/;
const BITS_HEX = /^[0-9a-fA-F]{8}$/;

function parseTransactionEntry(entry: unknown, index: number): GbtTransaction {
  const path = `transactions[${index}].`;
  if (!isObject(entry)) throw new BlockTemplateError(`transactions[${index}]`, "must be an object");
  const dataHex = str(entry, "data", path);
  if (dataHex === undefined) throw new BlockTemplateError(`${path}data`, "is missing");
  let data: Uint8Array;
  let computed: { txid: string; wtxid: string } | undefined;
  try {
    data = fromHex(dataHex, `${path}data`);
    const ids = parseTransactionWithIds(data);
    computed = { txid: hashToDisplay(ids.txid), wtxid: hashToDisplay(ids.wtxid) };
  } catch (err) {
    throw new BlockTemplateError(`${path}data`, `is not a transaction (${(err as Error).message})`);
  }
  const declaredTxid = str(entry, "txid", path, HASH_HEX)?.toLowerCase();
  const declaredWtxid = str(entry, "hash", path, HASH_HEX)?.toLowerCase();
  if (declaredTxid !== undefined && declaredTxid !== computed.txid) throw new BlockTemplateError(`${path}txid`, "does not match the data");
  if (declaredWtxid !== undefined && declaredWtxid !== computed.wtxid)
    throw new BlockTemplateError(`${path}hash`, "does not match the data");
  let depends: number[] | undefined;
  if (entry.depends !== undefined && entry.depends !== null) {
    if (!Array.isArray(entry.depends) || !entry.depends.every((d) => Number.isInteger(d) && d >= 1 && d <= index)) {
      throw new BlockTemplateError(`${path}depends`, `must list 1-based indexes of earlier transactions (1..${index})`);
    }
    depends = entry.depends as number[];
  }
  const fee = int(entry, "fee", path, { optional: true });
  return {
    data,
    txid: computed.txid,
    wtxid: computed.wtxid,
    depends,
    fee: fee === undefined ? undefined : BigInt(fee),
    sigops: int(entry, "sigops", path, { optional: true }),
    weight: int(entry, "weight", path, { optional: true, min: 1 }),
  };
}

/** Validates a `getblocktemplate` result. Unknown per-transaction numbers stay undefined. */
export function parseBlockTemplate(result: unknown): BlockTemplate {
  if (!isObject(result)) throw new BlockTemplateError("result", "must be an object");
  const txs = result.transactions;
  if (!Array.isArray(txs)) throw new BlockTemplateError("transactions", "must be an array");
  const previousBlockHash = str(result, "previousblockhash", "", HASH_HEX);
  if (previousBlockHash === undefined) throw new BlockTemplateError("previousblockhash", "is missing");
  const target = str(result, "target", "", HASH_HEX);
  if (target === undefined) throw new BlockTemplateError("target", "is missing");
  const bits = str(result, "bits", "", BITS_HEX);
  if (bits === undefined) throw new BlockTemplateError("bits", "is missing");
  const coinbaseAux: Record<string, string> = {};
  if (isObject(result.coinbaseaux)) {
    for (const [k, v] of Object.entries(result.coinbaseaux)) if (typeof v === "string") coinbaseAux[k] = v;
  }
  return {
    version: requiredInt(result, "version", "", { max: 0xffffffff }),
    rules: stringArray(result, "rules"),
    previousBlockHash: previousBlockHash.toLowerCase(),
    transactions: txs.map((entry, i) => parseTransactionEntry(entry, i)),
    coinbaseAux,
    coinbaseValue: BigInt(requiredInt(result, "coinbasevalue")),
    longPollId: str(result, "longpollid", ""),
    target: target.toLowerCase(),
    minTime: requiredInt(result, "mintime", "", { max: 0xffffffff }),
    curTime: requiredInt(result, "curtime", "", { max: 0xffffffff }),
    bits: Number.parseInt(bits, 16),
    height: requiredInt(result, "height"),
    mutable: stringArray(result, "mutable"),
    sigopLimit: int(result, "sigoplimit", "", { optional: true }),
    sizeLimit: int(result, "sizelimit", "", { optional: true }),
    weightLimit: int(result, "weightlimit", "", { optional: true }),
    defaultWitnessCommitment: str(result, "default_witness_commitment", "", /^(?:[0-9a-fA-F]{2})+$/),
  };
}

/** Raw-order txids (for the merkle root) of the template's transactions. */
export function templateTxids(template: BlockTemplate): Uint8Array[] {
  return template.transactions.map((tx) => hashFromDisplay(tx.txid));
}

/** Raw-order wtxids (for the witness commitment). */
export function templateWtxids(template: BlockTemplate): Uint8Array[] {
  return template.transactions.map((tx) => hashFromDisplay(tx.wtxid));
}
