import { LegendScript, type Redis, RedisScript } from "@gatehouse/service";
import type { Hex } from "viem";
import { decodeTxRecord, encodeReplacement, encodeTxRecord, type TxRecord, workflowOfTxKey } from "../../chain/tx-record.js";
import type { SignerLease, TxStore } from "../../chain/tx-store.js";

/** Deletes the signer lock if it is still held with `token`. */
const RELEASE = new LegendScript("orchestratorSignerRelease", {
  keys: { lock: "signer:<address>:lock, the lock: its value is the holder's token" },
  argv: { token: "the releasing holder's token" },
  body: `if redis.call('GET', lock) == token then return redis.call('DEL', lock) else return 0 end`,
});

/** Writes the signed transaction and advances the nonce only while the signer lock is still ours. */
const PERSIST_SIGNED = new LegendScript("orchestratorPersistSigned", {
  keys: {
    lock: "signer:<address>:lock",
    record: "tx:<key>, the record hash",
    next_nonce: "signer:<address>:nonce, the signer's next nonce",
    nonces: "signer:<address>:nonces, nonce → first hash signed for it",
    workflow_txs: "tx:of:<workflow id>, the workflow's transaction keys (pruned with it)",
  },
  argv: {
    token: "the lock holder's token",
    fields: "the record's hash fields as a JSON array [field, value, ...]",
    next_nonce_value: "the record's nonce + 1",
    nonce: "the record's nonce",
    hash: "the first hash signed for it",
    key: "the record's key",
  },
  body: `
if redis.call('GET', lock) ~= token then return 0 end
redis.call('HSET', record, unpack(cjson.decode(fields)))
redis.call('SET', next_nonce, next_nonce_value)
redis.call('HSET', nonces, nonce, hash)
redis.call('SADD', workflow_txs, key)
return 1`,
});

const lockKey = (signer: string) => `signer:${signer.toLowerCase()}:lock`;
const txKey = (key: string) => `tx:${key}`;

/**
 * Transaction records as Redis hashes (`tx:<key>`, listed per workflow in `tx:of:<id>`), the next
 * nonce per signer, and the signer lock: a key with a TTL whose value is a fencing token from a
 * per-signer counter.
 */
export class RedisTxStore implements TxStore {
  constructor(private readonly redis: Redis) {}

  async load(key: string): Promise<TxRecord | undefined> {
    return decodeTxRecord(await this.redis.hgetall(txKey(key)));
  }

  async tryLock(signer: string, ttlMs: number, owner: string): Promise<SignerLease | undefined> {
    const normalised = signer.toLowerCase();
    const fence = await this.redis.incr(`signer:${normalised}:fence`);
    const token = `${fence}:${owner}`;
    const ok = await this.redis.set(lockKey(normalised), token, "PX", ttlMs, "NX");
    return ok === "OK" ? { signer: normalised, token, nextNonce: await this.nextNonce(normalised) } : undefined;
  }

  async unlock(lease: SignerLease): Promise<void> {
    await RELEASE.run(this.redis, { lock: lockKey(lease.signer) }, { token: lease.token });
  }

  async nextNonce(signer: string): Promise<number | undefined> {
    const stored = await this.redis.get(`signer:${signer.toLowerCase()}:nonce`);
    return stored === null ? undefined : Number(stored);
  }

  /**
   * One MULTI of the lease-checked script per record, in nonce order: nothing runs between them,
   * and a lock that expires part way fails the rest, so what is written is a leading run.
   */
  async persistSigned(lease: SignerLease, records: readonly TxRecord[]): Promise<number> {
    let answers = await this.#persistInMulti(lease, records);
    // A server that forgot the script (a restart, SCRIPT FLUSH) refuses every call in the MULTI
    // alike, so nothing was written: load it and go again (a MULTI does not fall back to EVAL).
    if (answers.some(RedisScript.isForgotten)) {
      await PERSIST_SIGNED.script.load(this.redis);
      answers = await this.#persistInMulti(lease, records);
    }
    const failure = answers.find(([err]) => err !== null);
    if (failure) throw failure[0];
    const written = answers.findIndex(([, ok]) => ok !== 1);
    return written === -1 ? answers.length : written;
  }

  async #persistInMulti(lease: SignerLease, records: readonly TxRecord[]): Promise<[Error | null, unknown][]> {
    PERSIST_SIGNED.script.defineOn(this.redis);
    const multi = this.redis.multi();
    for (const r of records) {
      const laid = PERSIST_SIGNED.layout(
        {
          lock: lockKey(lease.signer),
          record: txKey(r.key),
          next_nonce: `signer:${lease.signer}:nonce`,
          nonces: `signer:${lease.signer}:nonces`,
          workflow_txs: `tx:of:${workflowOfTxKey(r.key)}`,
        },
        {
          token: lease.token,
          fields: JSON.stringify(Object.entries(encodeTxRecord(r)).flat()),
          next_nonce_value: String(r.nonce + 1),
          nonce: String(r.nonce),
          hash: r.hashes[0] as string,
          key: r.key,
        },
      );
      PERSIST_SIGNED.script.queue(multi, laid.keys, laid.args);
    }
    return (await multi.exec()) ?? [];
  }

  async markSent(keys: readonly string[], status: TxRecord["status"], sentAt: number): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hset(txKey(key), "status", status, "sent_at", String(sentAt));
    const failure = (await pipeline.exec())?.find(([err]) => err !== null);
    if (failure) throw failure[0];
  }

  async markMined(key: string, status: "confirmed" | "reverted", block: bigint, hash: Hex): Promise<void> {
    await this.redis.hset(txKey(key), "status", status, "block", String(block), "mined_hash", hash);
  }

  async saveReplacement(r: TxRecord): Promise<void> {
    await this.redis.hset(txKey(r.key), encodeReplacement(r));
  }
}
