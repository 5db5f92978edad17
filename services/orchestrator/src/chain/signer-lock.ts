import type { Redis } from "@gatehouse/service";

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** A held signer lock: `token` fences every write made under it. */
export interface SignerLease {
  signer: string;
  token: string;
}

/**
 * One holder per signer across replicas: a Redis lock with a TTL (so a crashed holder cannot
 * deadlock the signer) whose value is a fencing token from a per-signer counter.
 */
export class SignerLock {
  constructor(
    private readonly redis: Redis,
    private readonly ttlMs: number,
    private readonly owner: string,
  ) {}

  static lockKey(signer: string): string {
    return `signer:${signer.toLowerCase()}:lock`;
  }

  async tryAcquire(signer: string): Promise<SignerLease | undefined> {
    const normalised = signer.toLowerCase();
    const fence = await this.redis.incr(`signer:${normalised}:fence`);
    const token = `${fence}:${this.owner}`;
    const ok = await this.redis.set(SignerLock.lockKey(normalised), token, "PX", this.ttlMs, "NX");
    return ok === "OK" ? { signer: normalised, token } : undefined;
  }

  async release(lease: SignerLease): Promise<void> {
    await this.redis.eval(RELEASE, 1, SignerLock.lockKey(lease.signer), lease.token);
  }
}
