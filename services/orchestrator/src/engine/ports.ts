import type { Address, Hex } from "viem";
import type { EpochClosure } from "../chain/epoch-closure.js";
import type { TxRecord } from "../chain/tx-record.js";
import type { ContractCall, TxStatus } from "../chain/tx-types.js";
import type { Transition } from "./store.js";
import type { WorkflowRecord } from "./types.js";

/**
 * The ports the engine and its steps run against: only what they call, so a test hands in plain
 * objects and a backend is anything that implements them (the stores in src/persistence, the
 * transaction manager and chain reader in src/chain).
 */

/** The workflow records the engine schedules and moves on. */
export interface WorkflowStorePort {
  load(id: string): Promise<WorkflowRecord | undefined>;
  loadMany(ids: readonly string[]): Promise<WorkflowRecord[]>;
  /**
   * Leases up to `limit` due workflows for `leaseMs` (due time pushed to the lease expiry, fencing
   * token bumped) and answers their records as the claim left them (`leaseToken` is the new
   * lease's), so a run starts without reading them again.
   */
  claimDue(now: number, limit: number, leaseMs: number, owner: string): Promise<WorkflowRecord[]>;
  /** Applies a transition under lease `token` ('' = operator, unfenced). False if the lease was lost. */
  transition(id: string, token: number | "", t: Transition, now: number): Promise<boolean>;
  /** STALLED workflows that stalled at or before `before`. */
  stalledBefore(before: number, limit: number): Promise<string[]>;
}

/** Finished workflows deleted after the retention (the retention job's port). */
export interface FinishedWorkflowPruner {
  /**
   * Deletes up to `limit` COMPLETED/FAILED workflows that finished before `before`, with their
   * transaction records and natural keys; returns how many went.
   */
  pruneFinished(before: number, limit: number): Promise<number>;
}

/** Sending a step's transaction at most once and following it to confirmation. */
export interface TransactionsPort {
  hasSigner(address: string): boolean;
  /** The persisted record of the transaction sent for `key`, if one was signed. */
  load(key: string): Promise<TxRecord | undefined>;
  /**
   * Sends `call` from `signer` once per `key` (a resumed workflow re-broadcasts its signed bytes).
   * `stillNeeded` runs under the signer lock just before signing; false sends nothing (undefined).
   */
  submit(key: string, signer: Address, call: ContractCall, stillNeeded?: () => Promise<boolean>): Promise<Hex | undefined>;
  /**
   * Where the transaction for `key` stands. Not a plain read: a dropped transaction is
   * re-broadcast and a stuck one replaced with a fee bump on its nonce.
   */
  checkAndRebroadcast(key: string): Promise<TxStatus>;
}

/** The on-chain state the steps reconcile against: the contracts are the authority. */
export interface ChainReaderPort {
  readonly rewardsDistributor: Address;
  workSubmitter(studio: string, dataHash: Hex): Promise<Address | undefined>;
  /** Whether the work is registered, read from the chain after the call began unless already known registered. */
  isWorkRegistered(studio: string, epoch: number, dataHash: Hex): Promise<boolean>;
  epochWork(studio: string, epoch: number): Promise<readonly Hex[]>;
  isValidatorRegistered(dataHash: Hex, validator: string): Promise<boolean>;
  workValidators(dataHash: Hex): Promise<readonly Address[]>;
  hasScoredWorker(studio: string, dataHash: Hex, worker: string, validator: string): Promise<boolean>;
  scoreCommitment(studio: string, dataHash: Hex, validator: string): Promise<Hex | undefined>;
  hasRevealed(studio: string, dataHash: Hex, validator: string): Promise<boolean>;
  /** Commit and reveal deadlines (unix seconds; 0 when never set). */
  deadlines(studio: string, dataHash: Hex): Promise<{ commit: number; reveal: number }>;
  rewardsOwner(): Promise<Address>;
  /** Closed by a transaction, or not as of a block; `unclosedAt` (a previous answer's) lets it read only the blocks since. */
  epochClosure(studio: string, epoch: number, unclosedAt?: number): Promise<EpochClosure>;
}
