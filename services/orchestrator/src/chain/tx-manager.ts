// TxManager: one nonce stream per signer — simulate, sign, persist before broadcast, follow to
// confirmation, re-broadcast or replace; the submits queued for a signer go out in batches under
// one lock. About 450 lines because those steps share one signer lock and one record; the pure
// decisions (fees.ts, nonce.ts), the record codec (tx-record.ts) and the head watcher (head.ts)
// live beside it.
import { type Clock, InvariantError, type Logger, systemClock } from "@gatehouse/service";
import {
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
import type { TransactionsPort } from "../engine/ports.js";
import { type Fees, gasLimit, initialFees, replacementFees } from "./fees.js";
import { ChainHead, confirmationNeedsHead, type PendingCheck, pendingCheckDue } from "./head.js";
import { decideNextNonce, hasConfirmations, numberBatch, pendingTxAction } from "./nonce.js";
import { decodeRevert } from "./revert.js";
import type { TxRecord } from "./tx-record.js";
import type { SignerLease, TxStore } from "./tx-store.js";
import { type ContractCall, SignerBusyError, TxRevertedError, type TxStatus, UnrecordedPendingError } from "./tx-types.js";

export interface TxManagerOptions {
  store: TxStore;
  client: PublicClient;
  chain: Chain;
  accounts: readonly LocalAccount[];
  confirmations: number;
  /** A broadcast tx still unmined after this long is replaced with a fee bump on its nonce. */
  stuckAfterMs: number;
  lockTtlMs: number;
  instanceId: string;
  logger: Logger;
  /**
   * Called at named points (`after_sign:<key suffix>`, `after_broadcast:<key suffix>`) so tests can
   * crash the process there; a batch's transactions reach a point together, in one call.
   */
  checkpoint?: (...names: string[]) => Promise<void>;
  onEvent?: (event: "sent" | "rebroadcast" | "replaced" | "confirmed" | "reverted") => void;
  /** How old a head block number may be when read for a confirmation or a pending check (the poll interval). */
  headMaxAgeMs: number;
  /** When a broadcast happened and whether a transaction is stuck; the system clock by default. */
  clock?: Clock;
}

const BASE_FEE_CACHE_MS = 1_000;
/** Submits of one signer sent under one lease at most: bounds how long the lock is held. */
const MAX_BATCH = 32;
/** Pending transactions whose last full check is remembered (see `pendingCheckDue`). */
const MAX_PENDING_CHECKS = 10_000;

/** A submit waiting for its signer's lock, simulated already. */
interface QueuedSubmit {
  key: string;
  call: ContractCall;
  /** The simulation's gas estimate. */
  gas: bigint;
  stillNeeded: (() => Promise<boolean>) | undefined;
  resolve(hash: Hex | undefined): void;
  reject(err: unknown): void;
}

/** The step a transaction key names (`<workflow id>:<step>`): the crash checkpoints are per step. */
const stepOf = (key: string) => key.slice(key.lastIndexOf(":") + 1);

function isAlreadyKnown(err: unknown): boolean {
  const text = err instanceof BaseError ? err.details || err.shortMessage : String(err);
  return /already known|nonce too low|already imported|replacement transaction underpriced/i.test(text);
}

/**
 * One nonce stream per signer. Each transaction is identified by a caller key (workflow + step):
 * it is simulated, signed and persisted with its nonce and hash under the signer lock BEFORE it
 * is broadcast, so a crash re-broadcasts the same bytes rather than signing a second transaction.
 */
export class TxManager implements TransactionsPort {
  readonly #accounts = new Map<string, LocalAccount>();
  /**
   * This process's submits waiting for their signer, by lower-case address: they queue here
   * instead of polling the store, and whoever is waiting when the lock comes free goes out in the
   * next batch under one lease.
   */
  readonly #queued = new Map<string, QueuedSubmit[]>();
  #baseFee: { value: bigint; at: number } | undefined;
  readonly #clock: Clock;
  readonly #head: ChainHead;
  /** The last full check of each transaction seen pending, by key. */
  readonly #pendingChecks = new Map<string, PendingCheck>();
  /**
   * Without a new block a pending transaction is still checked this often: a dropped or stuck
   * transaction must be seen on a chain that mines nothing meanwhile, within a fraction of
   * `stuckAfterMs`.
   */
  readonly #recheckMs: number;

  constructor(private readonly options: TxManagerOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#head = new ChainHead(() => options.client.getBlockNumber({ cacheTime: 0 }), options.headMaxAgeMs, this.#clock);
    this.#recheckMs = Math.max(options.headMaxAgeMs, options.stuckAfterMs / 4);
    for (const account of options.accounts) this.#accounts.set(account.address.toLowerCase(), account);
  }

  hasSigner(address: string): boolean {
    return this.#accounts.has(address.toLowerCase());
  }

  signers(): Address[] {
    return [...this.#accounts.values()].map((a) => a.address);
  }

  private account(address: string): LocalAccount {
    const account = this.#accounts.get(address.toLowerCase());
    if (!account) throw new InvariantError(`signer ${address} is not loaded`);
    return account;
  }

  load(key: string): Promise<TxRecord | undefined> {
    return this.options.store.load(key);
  }

  /**
   * Sends `call` from `signer` once per `key`. When a record exists already (a resumed workflow),
   * its signed bytes are re-broadcast. `stillNeeded` runs under the signer lock just before
   * signing, and again when the simulation reverts (the chain may have moved since the caller
   * read it: the revert can be the call's effect having landed); when it answers false nothing is
   * sent and `undefined` is returned.
   */
  async submit(key: string, signer: Address, call: ContractCall, stillNeeded?: () => Promise<boolean>): Promise<Hex | undefined> {
    const existing = await this.load(key);
    if (existing) {
      if (existing.status === "signed") await this.broadcast(existing, "rebroadcast");
      return existing.hashes[existing.hashes.length - 1];
    }
    // Simulation needs no nonce: done before queueing for the lock, which is then held only to
    // number, persist and broadcast.
    let gas: bigint;
    try {
      gas = await this.simulate(signer, call);
    } catch (err) {
      if (!(err instanceof TxRevertedError)) throw err;
      if (stillNeeded && !(await stillNeeded())) return undefined;
      // Nodes may simulate on the pending state: the revert can be this very call, already in the
      // pool from a transaction the store lost. Wait for it to be mined rather than fail.
      await this.nextNonce(signer);
      throw err;
    }
    return new Promise((resolve, reject) => this.enqueue(signer.toLowerCase(), { key, call, gas, stillNeeded, resolve, reject }));
  }

  /** Queues a submit on its signer; the first in an idle queue starts draining it. */
  private enqueue(signer: string, submit: QueuedSubmit): void {
    const queue = this.#queued.get(signer);
    if (queue) {
      queue.push(submit);
      return;
    }
    this.#queued.set(signer, [submit]);
    void this.drain(signer);
  }

  /** Sends the signer's queued submits a batch at a time, each batch under one lease, until none are left. */
  private async drain(signer: string): Promise<void> {
    const queue = this.#queued.get(signer) as QueuedSubmit[];
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        await this.sendBatch(signer, batch);
      } catch (err) {
        // Settles what the batch had not settled yet (a settled promise ignores it).
        for (const submit of batch) submit.reject(err);
      }
    }
    this.#queued.delete(signer);
  }

  /**
   * Under one lease: each submit's `stillNeeded`, one nonce decision, consecutive nonces signed for
   * the submits still needed, all persisted in one write before any is broadcast, then broadcast
   * in nonce order and marked sent in one write.
   */
  private async sendBatch(signer: string, batch: readonly QueuedSubmit[]): Promise<void> {
    const { store, lockTtlMs, instanceId } = this.options;
    const lease = await store.tryLock(signer, lockTtlMs, instanceId);
    if (!lease) throw new SignerBusyError(`signer ${signer} is busy`);
    try {
      // The nonce and the fee are read alongside the checks (one round trip, not two); a batch
      // that turns out to need nothing wasted only those reads.
      const stillNeeded = Promise.all(
        batch.map(async (submit) => {
          try {
            if (!submit.stillNeeded || (await submit.stillNeeded())) return true;
            submit.resolve(undefined);
          } catch (err) {
            submit.reject(err);
          }
          return false;
        }),
      );
      const [needed, first, baseFee] = await Promise.all([stillNeeded, this.nextNonce(signer, lease), this.baseFee()]);
      if (!needed.includes(true)) return;
      const nonces = numberBatch(first, needed);
      const signing: Promise<{ submit: QueuedSubmit; record: TxRecord }>[] = [];
      batch.forEach((submit, i) => {
        const nonce = nonces[i];
        if (nonce !== undefined) signing.push(this.sign(submit, lease.signer, nonce, baseFee).then((record) => ({ submit, record })));
      });
      const signed = await Promise.all(signing);
      const written = await store.persistSigned(
        lease,
        signed.map((s) => s.record),
      );
      const persisted = signed.slice(0, written);
      for (const { submit } of signed.slice(written)) {
        submit.reject(new SignerBusyError(`lost the lock on signer ${lease.signer} before persisting ${submit.key}`));
      }
      await this.options.checkpoint?.(...persisted.map(({ record }) => `after_sign:${stepOf(record.key)}`));
      await this.broadcastSigned(persisted);
    } finally {
      await store.unlock(lease);
    }
  }

  /**
   * First broadcast of freshly persisted transactions, one after another in nonce order, then
   * marked sent in one write. In order, because a node may take the calls of one JSON-RPC batch in
   * any order, and one that arrives ahead of its predecessor waits in the pool as a future
   * transaction, which a chain that mines on arrival (anvil's automine) may leave there until it
   * is replaced. One that fails to go out stays `signed`: its submit fails and the persisted bytes
   * are re-broadcast on the next attempt, so its nonce is never skipped.
   */
  private async broadcastSigned(signed: readonly { submit: QueuedSubmit; record: TxRecord }[]): Promise<void> {
    const sent: { submit: QueuedSubmit; record: TxRecord }[] = [];
    for (const one of signed) {
      try {
        await this.sendRaw(one.record);
        sent.push(one);
      } catch (err) {
        one.submit.reject(err);
      }
    }
    if (sent.length === 0) return;
    const sentAt = this.#clock.now();
    await this.options.store.markSent(
      sent.map(({ record }) => record.key),
      "sent",
      sentAt,
    );
    for (const { record } of sent) {
      record.sentAt = sentAt;
      record.status = "sent";
      this.options.onEvent?.("sent");
    }
    await this.options.checkpoint?.(...sent.map(({ record }) => `after_broadcast:${stepOf(record.key)}`));
    for (const { submit, record } of sent) submit.resolve(record.hashes[0]);
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
    const now = this.#clock.now();
    if (!this.#baseFee || now - this.#baseFee.at > BASE_FEE_CACHE_MS) {
      const block = await this.options.client.getBlock({ blockTag: "latest" });
      this.#baseFee = { value: block.baseFeePerGas ?? 0n, at: now };
    }
    return this.#baseFee.value;
  }

  /**
   * The signer's next nonce: the persisted one (the lease's, read with the lock, or else the
   * store's), never below what the chain has mined (the key may have been used elsewhere).
   * UnrecordedPendingError when the node holds pending transactions of the signer beyond it.
   */
  private async nextNonce(signer: string, lease?: SignerLease): Promise<number> {
    const { client, store, logger } = this.options;
    const address = this.account(signer).address;
    const [stored, mined, pending] = await Promise.all([
      lease ? lease.nextNonce : store.nextNonce(signer),
      client.getTransactionCount({ address, blockTag: "latest" }),
      client.getTransactionCount({ address, blockTag: "pending" }),
    ]);
    const decision = decideNextNonce({ stored, mined, pending });
    if (decision.kind === "unrecorded_pending") {
      logger.warn(
        { signer: address, pending, recorded: decision.nonce },
        "unrecorded pending transactions: waiting for them to be mined before signing",
      );
      throw new UnrecordedPendingError(`signer ${address} has ${decision.count} pending transaction(s) this store has no record of`);
    }
    return decision.nonce;
  }

  /** Signs `submit` with `nonce` into its record (status `signed`, not yet persisted). */
  private async sign(submit: QueuedSubmit, signer: string, nonce: number, baseFee: bigint): Promise<TxRecord> {
    const { key, call } = submit;
    const account = this.account(signer);
    const data = encodeFunctionData({ abi: call.abi, functionName: call.functionName, args: call.args });
    const fees = initialFees(baseFee);
    const gas = gasLimit(submit.gas);
    const raw = await this.signEip1559(account, { nonce, to: call.address, data, gas }, fees);
    return {
      key,
      signer: account.address,
      nonce,
      to: call.address,
      data,
      gas,
      ...fees,
      raw,
      hashes: [keccak256(raw)],
      sentAt: 0,
      status: "signed",
    };
  }

  /** Sends the record's current bytes; a node that already has them (or their nonce) is not an error. */
  private async sendRaw(record: TxRecord): Promise<void> {
    try {
      await this.options.client.sendRawTransaction({ serializedTransaction: record.raw });
    } catch (err) {
      if (!isAlreadyKnown(err)) throw err;
    }
  }

  /**
   * Sends the record's bytes again. A record still `signed` was persisted by a process that died
   * (or failed to send) before broadcasting it: this send is its first, so it passes the same
   * crash points as one in `broadcastSigned`. A death elsewhere in the process (another signer's
   * batch at its own point) can come between a batch's persisting and its checkpoint, and the
   * restart then reaches the transaction only here.
   */
  private async broadcast(record: TxRecord, event: "sent" | "rebroadcast" | "replaced"): Promise<void> {
    const first = record.status === "signed";
    if (first) await this.options.checkpoint?.(`after_sign:${stepOf(record.key)}`);
    await this.sendRaw(record);
    record.sentAt = this.#clock.now();
    record.status = first ? "sent" : record.status;
    await this.options.store.markSent([record.key], record.status, record.sentAt);
    this.options.onEvent?.(event);
    if (first) await this.options.checkpoint?.(`after_broadcast:${stepOf(record.key)}`);
  }

  /**
   * Where the transaction for `key` stands. A dropped transaction is re-broadcast; one pending
   * longer than `stuckAfterMs` is replaced by the same nonce with bumped fees. A transaction seen
   * pending is checked again only once a new block arrived (or every `recheckMs`, for the pool).
   */
  async checkAndRebroadcast(key: string): Promise<TxStatus> {
    const record = await this.load(key);
    if (!record) {
      this.#pendingChecks.delete(key);
      return { state: "none" };
    }
    if (record.status === "signed") await this.broadcast(record, "rebroadcast");
    const last = this.#pendingChecks.get(key);
    const now = this.#clock.now();
    const head = last ? await this.#head.latest() : undefined;
    if (head !== undefined && !pendingCheckDue(last, head, now, this.#recheckMs)) {
      return { state: "pending", hash: record.hashes[record.hashes.length - 1] as Hex, nonce: record.nonce };
    }
    const status = await this.checkPending(record);
    if (status.state === "pending") this.rememberPending(key, head, now);
    else this.#pendingChecks.delete(key);
    return status;
  }

  private rememberPending(key: string, head: bigint | undefined, at: number): void {
    // Forgetting is safe (the next poll checks in full): bounds what stalled or moved workflows leave.
    if (this.#pendingChecks.size >= MAX_PENDING_CHECKS) this.#pendingChecks.clear();
    this.#pendingChecks.set(key, { head, at });
  }

  /** Receipts of every hash of `record`; without one, the pool: re-broadcast a dropped transaction, replace a stuck one. */
  private async checkPending(record: TxRecord): Promise<TxStatus> {
    const { client, confirmations } = this.options;
    const key = record.key;
    for (const hash of record.hashes) {
      let receipt: Awaited<ReturnType<PublicClient["getTransactionReceipt"]>>;
      try {
        receipt = await client.getTransactionReceipt({ hash });
      } catch (err) {
        if (err instanceof TransactionReceiptNotFoundError) continue;
        throw err;
      }
      if (confirmationNeedsHead(confirmations)) {
        const head = await this.#head.latest();
        if (!hasConfirmations(head, receipt.blockNumber, confirmations)) return { state: "pending", hash, nonce: record.nonce };
      }
      if (receipt.status === "success") {
        if (record.status !== "confirmed") {
          await this.options.store.markMined(key, "confirmed", receipt.blockNumber, hash);
          this.options.onEvent?.("confirmed");
        }
        return { state: "confirmed", hash, nonce: record.nonce, block: receipt.blockNumber };
      }
      if (record.status !== "reverted") {
        await this.options.store.markMined(key, "reverted", receipt.blockNumber, hash);
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
    // Only a forgotten transaction needs the mined count: the node no longer holds it.
    const mined = known ? 0 : await client.getTransactionCount({ address: record.signer, blockTag: "latest" });
    const action = pendingTxAction(
      { nonce: record.nonce, sentAt: record.sentAt, known, mined },
      this.#clock.now(),
      this.options.stuckAfterMs,
    );
    if (action === "rebroadcast") {
      this.options.logger.warn({ key, nonce: record.nonce, hash: latest }, "transaction dropped: re-broadcasting the persisted bytes");
      await this.broadcast(record, "rebroadcast");
    } else if (action === "replace") {
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

  /** Re-signs the same nonce with both fees bumped (persisted before broadcast, as any send). */
  private async replace(record: TxRecord): Promise<void> {
    const block = await this.options.client.getBlock({ blockTag: "latest" });
    const fees = replacementFees(record, block.baseFeePerGas ?? 0n);
    const raw = await this.signEip1559(this.account(record.signer), record, fees);
    const hash = keccak256(raw);
    record.hashes.push(hash);
    record.raw = raw;
    record.maxFeePerGas = fees.maxFeePerGas;
    record.maxPriorityFeePerGas = fees.maxPriorityFeePerGas;
    await this.options.store.saveReplacement(record);
    this.options.logger.warn({ key: record.key, nonce: record.nonce, hash }, "transaction stuck: replaced with a fee bump");
    await this.broadcast(record, "replaced");
  }

  private signEip1559(account: LocalAccount, tx: { nonce: number; to: Address; data: Hex; gas: bigint }, fees: Fees): Promise<Hex> {
    const { nonce, to, data, gas } = tx;
    return account.signTransaction({ chainId: this.options.chain.id, type: "eip1559", nonce, to, data, gas, ...fees });
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
