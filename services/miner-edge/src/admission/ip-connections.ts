/**
 * Open connections per source address on this replica: the local half of the per-address cap,
 * which holds even when the count shared in Redis cannot be reached. An address leaves the map
 * with its last connection, so the map is bounded by the open connections.
 */
export class IpConnectionCounts {
  readonly #counts = new Map<string, number>();

  constructor(readonly perAddress: number) {}

  /** Counts one more connection from `address`, unless it already holds `perAddress`. */
  tryAdd(address: string): boolean {
    const n = this.#counts.get(address) ?? 0;
    if (n >= this.perAddress) return false;
    this.#counts.set(address, n + 1);
    return true;
  }

  remove(address: string): void {
    const n = this.#counts.get(address) ?? 0;
    if (n <= 1) this.#counts.delete(address);
    else this.#counts.set(address, n - 1);
  }

  count(address: string): number {
    return this.#counts.get(address) ?? 0;
  }

  /** Every address with open connections, and how many. */
  entries(): IterableIterator<[string, number]> {
    return this.#counts.entries();
  }

  get addresses(): number {
    return this.#counts.size;
  }
}
