import type { Logger, Redis } from "@gatehouse/service";
import {
  type Abi,
  type Address,
  BaseError,
  type Chain,
  encodeFunctionData,
  type Hex,
  keccak256,
  type LocalAccount,
  type PublicClient,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
} from "viem";
import { type DecodedRevert, decodeRevert } from "./revert.js";
import { type SignerLease, SignerLock } from "./signer-lock.js";

export interface ContractCall {
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

/** A transaction the simulation says would revert: nothing was signed or sent. */
export class TxRevertedError extends Error {
  override readonly name = "TxRevertedError";
  constructor(readonly revert: DecodedRevert) {
    super(revert.reason);
  }
}

/** The signer is held by another workflow or replica; try again shortly. */
export class SignerBusyError extends Error {
  override readonly name = "SignerBusyError";
}

export type TxStatus =
  | { state: "none" }
  | { state: "pending"; hash: Hex; nonce: number }
  | { state: "confirmed"; hash: Hex; nonce: number; block: bigint }
  | { state: "reverted"; hash: Hex; nonce: number; block: bigint; reason: string };

export interface TxManagerOptions {
  redis: Redis;
  client: PublicClient;
  chain: Chain;
  accounts: readonly LocalAccount[];
  confirmations: number;
  /** A broadcast tx still unmined after this long is replaced with a fee bump on its nonce. */
  stuckAfterMs: number;
  lockTtlMs: number;
  instanceId: string;
  logger: Logger;
  /** Called at named points (`after_sign:<key suffix>`, `after_broadcast:<key suffix>`) so tests can crash the process there. */
  checkpoint?: (name: string) => Promise<void>;
  onEvent?: (event: "sent" | "rebroadcast" | "replaced" | "confirmed" | "reverted") => void;
}

interface TxRecord {
  key: string;
  signer: Address;
  nonce: number;
  to: Address;
  data: Hex;
  gas: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  raw: Hex;
  hashes: Hex[];
  sentAt: number;
  status: "signed" | "sent" | "confirmed" | "reverted";
}

const FEE_BUMP_NUMERATOR = 1125n; // EIP-1559 replacement needs ≥ +10 %; bump by 12.5 %.
const FEE_BUMP_DENOMINATOR = 1000n;
const DEFAULT_PRIORITY_FEE = 1_000_000_000n;
const BASE_FEE_CACHE_MS = 1_000;

/** Writes the signed transaction and advances the nonce only while the signer lock is still ours. */
const PERSIST_SIGNED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], unpack(cjson.decode(ARGV[2])))
redis.call('SET', KEYS[3], ARGV[3])
redis.call('HSET', KEYS[4], ARGV[4], ARGV[5])
return 1`;

function toRecord(hash: Record<string, string>): TxRecord | undefined {
  if (!hash.raw) return undefined;
  return {
    key: hash.key as string,
    signer: hash.signer as Address,
    nonce: Number(hash.nonce),
    to: hash.to as Address,
    data: hash.data as Hex,
    gas: BigInt(hash.gas as string),
    maxFeePerGas: BigInt(hash.max_fee_per_gas as string),
    maxPriorityFeePerGas: BigInt(hash.max_priority_fee_per_gas as string),
    raw: hash.raw as Hex,
    hashes: JSON.parse(hash.hashes as string) as Hex[],
    sentAt: Number(hash.sent_at ?? 0),
    status: hash.status as TxRecord["status"],
  };
}

function isAlreadyKnown(err: unknown): boolean {
  const text = err instanceof BaseError ? err.details || err.shortMessage : String(err);
  return /already known|nonce too low|already imported|replacement transaction underpriced/i.test(text);
}

/**
 * One nonce stream per signer. Each transaction is identified by a caller key (workflow + step):
 * it is simulated, signed and persisted with its nonce and hash under the signer lock BEFORE it
 * is broadcast, so a crash re-broadcasts the same bytes rather than signing a second transaction.
 */
export class TxManager {
  readonly #accounts = new Map<string, LocalAccount>();
  readonly #lock: SignerLock;
  /** Serialises this process's own users of a signer so they queue instead of polling Redis. */
  readonly #local = new Map<string, Promise<unknown>>();
  #baseFee: { value: bigint; at: number } | undefined;

  constructor(private readonly options: TxManagerOptions) {
    for (const account of options.accounts) this.#accounts.set(account.address.toLowerCase(), account);
    this.#lock = new SignerLock(options.redis, options.lockTtlMs, options.instanceId);
  }

  hasSigner(address: string): boolean {
    return this.#accounts.has(address.toLowerCase());
  }

  signers(): Address[] {
    return [...this.#accounts.values()].map((a) => a.address);
  }

  private account(address: string): LocalAccount {
    const account = this.#accounts.get(address.toLowerCase());
    if (!account) throw new Error(`signer ${address} is not loaded`);
    return account;
  }

  private txKey(key: string): string {
    return `tx:${key}`;
  }

  async load(key: string): Promise<TxRecord | undefined> {
    return toRecord(await this.options.redis.hgetall(this.txKey(key)));
  }

  /**
   * Sends `call` from `signer` once per `key`. When a record exists already (a resumed workflow),
   * its signed bytes are re-broadcast. `stillNeeded` runs under the signer lock just before
   * signing; when it answers false nothing is sent and `undefined` is returned.
   */
  async submit(key: string, signer: Address, call: ContractCall, stillNeeded?: () => Promise<boolean>): Promise<Hex | undefined> {
    const existing = await this.load(key);
    if (existing) {
      if (existing.status === "signed") await this.broadcast(existing, "rebroadcast");
      return existing.hashes[existing.hashes.length - 1];
    }
    const normalised = signer.toLowerCase();
    const previous = this.#local.get(normalised) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.submitLocked(key, signer, call, stillNeeded));
    this.#local.set(normalised, run);
    try {
      return await run;
    } finally {
      if (this.#local.get(normalised) === run) this.#local.delete(normalised);
    }
  }

  private async submitLocked(
    key: string,
    signer: Address,
    call: ContractCall,
    stillNeeded?: () => Promise<boolean>,
  ): Promise<Hex | undefined> {
    // Simulation needs no nonce: done before taking the lock, which is then held only to number,
    // persist and broadcast.
    const gas = await this.simulate(signer, call);
    const lease = await this.#lock.tryAcquire(signer);
    if (!lease) throw new SignerBusyError(`signer ${signer} is busy`);
    try {
      if (stillNeeded && !(await stillNeeded())) return undefined;
      const record = await this.sign(key, lease, call, gas);
      const step = key.slice(key.lastIndexOf(":") + 1);
      await this.options.checkpoint?.(`after_sign:${step}`);
      await this.broadcast(record, "sent");
      await this.options.checkpoint?.(`after_broadcast:${step}`);
      return record.hashes[0];
    } finally {
      await this.#lock.release(lease);
    }
  }

  /** Gas estimate of `call`; a revert becomes TxRevertedError with the reason decoded from the ABI. */
  private async simulate(signer: Address, call: ContractCall): Promise<bigint> {
    try {
      return await this.options.client.estimateContractGas({ ...call, account: this.account(signer) });
    } catch (err) {
      const revert = decodeRevert(err);
      if (revert) throw new TxRevertedError(revert);
      throw err;
    }
  }

  /** The latest base fee, cached briefly: fees need not be fresher than a block or so. */
  private async baseFee(): Promise<bigint> {
    const now = Date.now();
    if (!this.#baseFee || now - this.#baseFee.at > BASE_FEE_CACHE_MS) {
      const block = await this.options.client.getBlock({ blockTag: "latest" });
      this.#baseFee = { value: block.baseFeePerGas ?? 0n, at: now };
    }
    return this.#baseFee.value;
  }

  private async sign(key: string, lease: SignerLease, call: ContractCall, gas: bigint): Promise<TxRecord> {
    const { client, redis, chain } = this.options;
    const account = this.account(lease.signer);
    const data = encodeFunctionData({ abi: call.abi, functionName: call.functionName, args: call.args });
    // The persisted next nonce, never below what the chain has mined (the key may have been used
    // elsewhere); with nothing persisted yet, the chain's pending count. Read in parallel.
    const [stored, mined, pending, baseFee] = await Promise.all([
      redis.get(`signer:${lease.signer}:nonce`),
      client.getTransactionCount({ address: account.address, blockTag: "latest" }),
      client.getTransactionCount({ address: account.address, blockTag: "pending" }),
      this.baseFee(),
    ]);
    const nonce = Math.max(stored === null ? pending : Number(stored), mined);
    const maxPriorityFeePerGas = DEFAULT_PRIORITY_FEE;
    const maxFeePerGas = baseFee * 2n + maxPriorityFeePerGas;
    const gasLimit = (gas * 12n) / 10n;
    const raw = await account.signTransaction({
      chainId: chain.id,
      type: "eip1559",
      nonce,
      to: call.address,
      data,
      gas: gasLimit,
      maxFeePerGas,
      maxPriorityFeePerGas,
    });
    const hash = keccak256(raw);
    const record: TxRecord = {
      key,
      signer: account.address,
      nonce,
      to: call.address,
      data,
      gas: gasLimit,
      maxFeePerGas,
      maxPriorityFeePerGas,
      raw,
      hashes: [hash],
      sentAt: 0,
      status: "signed",
    };
    const fields = [
      "key",
      key,
      "signer",
      account.address,
      "nonce",
      String(nonce),
      "to",
      call.address,
      "data",
      data,
      "gas",
      String(gasLimit),
      "max_fee_per_gas",
      String(maxFeePerGas),
      "max_priority_fee_per_gas",
      String(maxPriorityFeePerGas),
      "raw",
      raw,
      "hashes",
      JSON.stringify([hash]),
      "status",
      "signed",
    ];
    const ok = await redis.eval(
      PERSIST_SIGNED,
      4,
      SignerLock.lockKey(lease.signer),
      this.txKey(key),
      `signer:${lease.signer}:nonce`,
      `signer:${lease.signer}:nonces`,
      lease.token,
      JSON.stringify(fields),
      String(nonce + 1),
      String(nonce),
      hash,
    );
    if (ok !== 1) throw new SignerBusyError(`lost the lock on signer ${lease.signer} before persisting nonce ${nonce}`);
    return record;
  }

  private async broadcast(record: TxRecord, event: "sent" | "rebroadcast" | "replaced"): Promise<void> {
    try {
      await this.options.client.sendRawTransaction({ serializedTransaction: record.raw });
    } catch (err) {
      if (!isAlreadyKnown(err)) throw err;
    }
    record.sentAt = Date.now();
    record.status = record.status === "signed" ? "sent" : record.status;
    await this.options.redis.hset(this.txKey(record.key), "status", record.status, "sent_at", String(record.sentAt));
    this.options.onEvent?.(event);
  }

  /**
   * Where the transaction for `key` stands. A dropped transaction is re-broadcast; one pending
   * longer than `stuckAfterMs` is replaced by the same nonce with bumped fees.
   */
  async status(key: string): Promise<TxStatus> {
    const record = await this.load(key);
    if (!record) return { state: "none" };
    const { client, confirmations } = this.options;
    if (record.status === "signed") await this.broadcast(record, "rebroadcast");
    for (const hash of record.hashes) {
      let receipt: Awaited<ReturnType<PublicClient["getTransactionReceipt"]>>;
      try {
        receipt = await client.getTransactionReceipt({ hash });
      } catch (err) {
        if (err instanceof TransactionReceiptNotFoundError) continue;
        throw err;
      }
      const head = await client.getBlockNumber({ cacheTime: 0 });
      if (head - receipt.blockNumber + 1n < BigInt(confirmations)) return { state: "pending", hash, nonce: record.nonce };
      if (receipt.status === "success") {
        if (record.status !== "confirmed") {
          await this.options.redis.hset(this.txKey(key), "status", "confirmed", "block", String(receipt.blockNumber), "mined_hash", hash);
          this.options.onEvent?.("confirmed");
        }
        return { state: "confirmed", hash, nonce: record.nonce, block: receipt.blockNumber };
      }
      if (record.status !== "reverted") {
        await this.options.redis.hset(this.txKey(key), "status", "reverted", "block", String(receipt.blockNumber), "mined_hash", hash);
        this.options.onEvent?.("reverted");
      }
      return {
        state: "reverted",
        hash,
        nonce: record.nonce,
        block: receipt.blockNumber,
        reason: await this.replayRevert(record, receipt.blockNumber),
      };
    }
    const latest = record.hashes[record.hashes.length - 1] as Hex;
    const known = await this.isKnown(latest);
    if (!known) {
      const used = await client.getTransactionCount({ address: record.signer, blockTag: "latest" });
      if (used <= record.nonce) {
        this.options.logger.warn({ key, nonce: record.nonce, hash: latest }, "transaction dropped: re-broadcasting the persisted bytes");
        await this.broadcast(record, "rebroadcast");
      }
    } else if (Date.now() - record.sentAt > this.options.stuckAfterMs) {
      await this.replace(record);
    }
    return { state: "pending", hash: record.hashes[record.hashes.length - 1] as Hex, nonce: record.nonce };
  }

  private async isKnown(hash: Hex): Promise<boolean> {
    try {
      await this.options.client.getTransaction({ hash });
      return true;
    } catch (err) {
      if (err instanceof TransactionNotFoundError) return false;
      throw err;
    }
  }

  /** Re-signs the same nonce with fees raised by 12.5 % (persisted before broadcast, as any send). */
  private async replace(record: TxRecord): Promise<void> {
    const account = this.account(record.signer);
    const block = await this.options.client.getBlock({ blockTag: "latest" });
    const bump = (fee: bigint) => (fee * FEE_BUMP_NUMERATOR) / FEE_BUMP_DENOMINATOR + 1n;
    const maxPriorityFeePerGas = bump(record.maxPriorityFeePerGas);
    const maxFeePerGas = [bump(record.maxFeePerGas), (block.baseFeePerGas ?? 0n) * 2n + maxPriorityFeePerGas].reduce((a, b) =>
      a > b ? a : b,
    );
    const raw = await account.signTransaction({
      chainId: this.options.chain.id,
      type: "eip1559",
      nonce: record.nonce,
      to: record.to,
      data: record.data,
      gas: record.gas,
      maxFeePerGas,
      maxPriorityFeePerGas,
    });
    const hash = keccak256(raw);
    record.hashes.push(hash);
    record.raw = raw;
    record.maxFeePerGas = maxFeePerGas;
    record.maxPriorityFeePerGas = maxPriorityFeePerGas;
    await this.options.redis.hset(
      this.txKey(record.key),
      "raw",
      raw,
      "hashes",
      JSON.stringify(record.hashes),
      "max_fee_per_gas",
      String(maxFeePerGas),
      "max_priority_fee_per_gas",
      String(maxPriorityFeePerGas),
    );
    this.options.logger.warn({ key: record.key, nonce: record.nonce, hash }, "transaction stuck: replaced with a fee bump");
    await this.broadcast(record, "replaced");
  }

  /** The revert reason of a mined, reverted transaction, by replaying it at its block. */
  private async replayRevert(record: TxRecord, block: bigint): Promise<string> {
    try {
      await this.options.client.call({ account: record.signer, to: record.to, data: record.data, blockNumber: block });
      return "execution reverted";
    } catch (err) {
      return decodeRevert(err)?.reason ?? "execution reverted";
    }
  }
}
