import type { Redis } from "@gatehouse/service";
import type { Hex } from "viem";
import { decodeTxRecord, encodeReplacement, encodeTxRecord, type TxRecord, workflowOfTxKey } from "../../chain/tx-record.js";
import type { SignerLease, TxStore } from "../../chain/tx-store.js";

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** Writes the signed transaction and advances the nonce only while the signer lock is still ours. */
const PERSIST_SIGNED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], unpack(cjson.decode(ARGV[2])))
redis.call('SET', KEYS[3], ARGV[3])
redis.call('HSET', KEYS[4], ARGV[4], ARGV[5])
redis.call('SADD', KEYS[5], ARGV[6])
return 1`;

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
    return ok === "OK" ? { signer: normalised, token } : undefined;
  }

  async unlock(lease: SignerLease): Promise<void> {
    await this.redis.eval(RELEASE, 1, lockKey(lease.signer), lease.token);
  }

  async nextNonce(signer: string): Promise<number | undefined> {
    const stored = await this.redis.get(`signer:${signer.toLowerCase()}:nonce`);
    return stored === null ? undefined : Number(stored);
  }

  async persistSigned(lease: SignerLease, r: TxRecord): Promise<boolean> {
    const fields = Object.entries(encodeTxRecord(r)).flat();
    const ok = await this.redis.eval(
      PERSIST_SIGNED,
      5,
      lockKey(lease.signer),
      txKey(r.key),
      `signer:${lease.signer}:nonce`,
      `signer:${lease.signer}:nonces`,
      `tx:of:${workflowOfTxKey(r.key)}`,
      lease.token,
      JSON.stringify(fields),
      String(r.nonce + 1),
      String(r.nonce),
      r.hashes[0] as string,
      r.key,
    );
    return ok === 1;
  }

  async markSent(key: string, status: TxRecord["status"], sentAt: number): Promise<void> {
    await this.redis.hset(txKey(key), "status", status, "sent_at", String(sentAt));
  }

  async markMined(key: string, status: "confirmed" | "reverted", block: bigint, hash: Hex): Promise<void> {
    await this.redis.hset(txKey(key), "status", status, "block", String(block), "mined_hash", hash);
  }

  async saveReplacement(r: TxRecord): Promise<void> {
    await this.redis.hset(txKey(r.key), encodeReplacement(r));
  }
}
