import type { Hex } from "viem";
import type { TxRecord } from "./tx-record.js";

/** A held signer lock: `token` fences every write made under it. */
export interface SignerLease {
  /** Lower-case address. */
  signer: string;
  token: string;
  /**
   * The signer's next nonce as the store numbered it when the lock was taken (undefined when it
   * numbered none): only the holder moves it, so it stands while the lease does.
   */
  nextNonce: number | undefined;
}

/**
 * The transaction manager's persistence (its port): one lock holder per signer across replicas,
 * the per-signer next nonce, and the signed-transaction records. Backends: PostgreSQL
 * (persistence/postgres) and Redis (persistence/redis).
 */
export interface TxStore {
  load(key: string): Promise<TxRecord | undefined>;
  /**
   * Takes the signer's lock for `ttlMs` (a crashed holder cannot block the signer) unless another
   * holder has it, with the signer's next nonce read under it.
   */
  tryLock(signer: string, ttlMs: number, owner: string): Promise<SignerLease | undefined>;
  unlock(lease: SignerLease): Promise<void>;
  /** The signer's next nonce as this store numbered it, or undefined when it has numbered none. */
  nextNonce(signer: string): Promise<number | undefined>;
  /**
   * Writes `records` (the signer's, on consecutive nonces in ascending order) and advances the
   * signer's next nonce past the last one written, only while `lease` still holds the lock and
   * in one round trip. Answers how many were written: always a leading run of `records` (0 when
   * the lock was lost), so the written nonces stay contiguous.
   */
  persistSigned(lease: SignerLease, records: readonly TxRecord[]): Promise<number>;
  /** Sets the status and broadcast time of the records `keys`, in one round trip. */
  markSent(keys: readonly string[], status: TxRecord["status"], sentAt: number): Promise<void>;
  markMined(key: string, status: "confirmed" | "reverted", block: bigint, hash: Hex): Promise<void>;
  /** Stores a fee-bump replacement: the new raw bytes, the hash list and the fees. */
  saveReplacement(record: TxRecord): Promise<void>;
}
