import type { Hex } from "viem";
import {
  decodeTxRecord,
  encodeReplacement,
  encodeTxRecord,
  type TxRecord,
  type TxRecordFields,
  workflowOfTxKey,
} from "../../chain/tx-record.js";
import type { SignerLease, TxStore } from "../../chain/tx-store.js";
import type { Postgres } from "./connect.js";

/** The columns read back, as the record codec's text fields (`to_address` is `to`). */
const RECORD_COLUMNS = `key, signer, nonce::text AS nonce, to_address AS "to", data, gas, max_fee_per_gas, max_priority_fee_per_gas,
  raw, hashes::text AS hashes, sent_at::text AS sent_at, status`;

/**
 * Signer locks, next nonces and signed-transaction records in PostgreSQL. The lock is a row whose
 * token carries a per-signer fence and expires on the server's clock (one clock for every
 * replica); persisting a signed transaction locks the signer's row, checks the token and writes
 * the record and the next nonce in one transaction.
 */
export class PostgresTxStore implements TxStore {
  readonly #signers: string;
  readonly #tx: string;

  constructor(private readonly pg: Postgres) {
    this.#signers = `${pg.schema}.signers`;
    this.#tx = `${pg.schema}.transactions`;
  }

  async load(key: string): Promise<TxRecord | undefined> {
    const { rows } = await this.pg.pool.query<TxRecordFields>(`SELECT ${RECORD_COLUMNS} FROM ${this.#tx} WHERE key = $1`, [key]);
    return rows[0] && decodeTxRecord(rows[0]);
  }

  async tryLock(signer: string, ttlMs: number, owner: string): Promise<SignerLease | undefined> {
    const normalised = signer.toLowerCase();
    // A plain read first: a busy signer then costs no row lock and no commit to flush, which
    // matters when replicas queue on one signer.
    const held = await this.pg.pool.query(
      `SELECT 1 FROM ${this.#signers} WHERE signer = $1 AND lock_token IS NOT NULL AND lock_expires_at > clock_timestamp()`,
      [normalised],
    );
    if (held.rowCount === 1) return undefined;
    const { rows } = await this.pg.pool.query<{ lock_token: string; next_nonce: string | null }>(
      `INSERT INTO ${this.#signers} AS s (signer, fence, lock_token, lock_expires_at)
       VALUES ($1, 1, '1:' || $2, clock_timestamp() + make_interval(secs => $3::double precision / 1000))
       ON CONFLICT (signer) DO UPDATE SET
         fence = s.fence + 1,
         lock_token = (s.fence + 1)::text || ':' || $2,
         lock_expires_at = clock_timestamp() + make_interval(secs => $3::double precision / 1000)
       WHERE s.lock_token IS NULL OR s.lock_expires_at <= clock_timestamp()
       RETURNING lock_token, next_nonce`,
      [normalised, owner, ttlMs],
    );
    const row = rows[0];
    return row
      ? { signer: normalised, token: row.lock_token, nextNonce: row.next_nonce == null ? undefined : Number(row.next_nonce) }
      : undefined;
  }

  async unlock(lease: SignerLease): Promise<void> {
    await this.pg.pool.query(
      `UPDATE ${this.#signers} SET lock_token = NULL, lock_expires_at = NULL WHERE signer = $1 AND lock_token = $2`,
      [lease.signer, lease.token],
    );
  }

  async nextNonce(signer: string): Promise<number | undefined> {
    const { rows } = await this.pg.pool.query<{ next_nonce: string | null }>(`SELECT next_nonce FROM ${this.#signers} WHERE signer = $1`, [
      signer.toLowerCase(),
    ]);
    const next = rows[0]?.next_nonce;
    return next == null ? undefined : Number(next);
  }

  /**
   * One statement, so one implicit transaction: the UPDATE locks the signer's row only while the
   * lease holds and moves its next nonce, and the records are inserted only from that row, so all
   * land or none does.
   */
  async persistSigned(lease: SignerLease, records: readonly TxRecord[]): Promise<number> {
    const last = records[records.length - 1];
    if (!last) return 0;
    const fields = records.map(encodeTxRecord);
    const column = (name: keyof TxRecordFields) => fields.map((f) => f[name]);
    const { rowCount } = await this.pg.pool.query(
      `WITH held AS (
         UPDATE ${this.#signers} SET next_nonce = $3
         WHERE signer = $1 AND lock_token = $2 AND lock_expires_at > clock_timestamp()
         RETURNING signer
       )
       INSERT INTO ${this.#tx} (key, workflow_id, signer, nonce, to_address, data, gas, max_fee_per_gas, max_priority_fee_per_gas, raw, hashes, sent_at, status)
       SELECT r.key, r.workflow_id, r.signer, r.nonce, r.to_address, r.data, r.gas, r.max_fee_per_gas, r.max_priority_fee_per_gas, r.raw, r.hashes::jsonb, r.sent_at, r.status
       FROM held, unnest($4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::bigint[], $16::text[])
         AS r(key, workflow_id, signer, nonce, to_address, data, gas, max_fee_per_gas, max_priority_fee_per_gas, raw, hashes, sent_at, status)`,
      [
        lease.signer,
        lease.token,
        last.nonce + 1,
        column("key"),
        records.map((r) => workflowOfTxKey(r.key)),
        column("signer"),
        column("nonce"),
        column("to"),
        column("data"),
        column("gas"),
        column("max_fee_per_gas"),
        column("max_priority_fee_per_gas"),
        column("raw"),
        column("hashes"),
        column("sent_at"),
        column("status"),
      ],
    );
    return rowCount ?? 0;
  }

  async markSent(keys: readonly string[], status: TxRecord["status"], sentAt: number): Promise<void> {
    await this.pg.pool.query(`UPDATE ${this.#tx} SET status = $2, sent_at = $3 WHERE key = ANY($1::text[])`, [keys, status, sentAt]);
  }

  async markMined(key: string, status: "confirmed" | "reverted", block: bigint, hash: Hex): Promise<void> {
    await this.pg.pool.query(`UPDATE ${this.#tx} SET status = $2, block = $3, mined_hash = $4 WHERE key = $1`, [
      key,
      status,
      String(block),
      hash,
    ]);
  }

  async saveReplacement(r: TxRecord): Promise<void> {
    const f = encodeReplacement(r);
    await this.pg.pool.query(
      `UPDATE ${this.#tx} SET raw = $2, hashes = $3, max_fee_per_gas = $4, max_priority_fee_per_gas = $5 WHERE key = $1`,
      [r.key, f.raw, f.hashes, f.max_fee_per_gas, f.max_priority_fee_per_gas],
    );
  }
}
