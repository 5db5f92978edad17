import type { Hex } from "viem";
import type { LogQueryLimits } from "./log-range.js";
import { registrationRead } from "./registration.js";

/** What the index reads from the chain. */
export interface EpochWorkSource {
  /** The head block number: a lower bound of the block a read issued after it answers at. */
  head(): Promise<bigint>;
  /** The epoch's whole work list (`getEpochWork`) at the latest block. */
  list(studio: string, epoch: number): Promise<readonly Hex[]>;
  /** The data hashes of the epoch's `WorkRegistered` logs from `fromBlock` to the latest block. */
  registeredSince(studio: string, epoch: number, fromBlock: bigint): Promise<readonly Hex[]>;
}

/** Epochs indexed at once; the least recently asked about is dropped beyond this (and read afresh if asked again). */
const MAX_INDEXED_EPOCHS = 64;

/**
 * The works registered in each (studio, epoch), kept by this replica and brought up to date on every
 * question by the epoch's `WorkRegistered` logs since the head it was last read at (one query,
 * registration.ts decides the range). The contract only offers the epoch's whole work list, and an
 * epoch's every work asks once: read per work, that is O(works) per question and O(works²) per
 * epoch; here the list is read once per epoch.
 */
export class EpochWorkIndex {
  readonly #epochs = new Map<string, EpochWork>();

  constructor(
    private readonly source: EpochWorkSource,
    private readonly limits: LogQueryLimits,
    private readonly maxEpochs = MAX_INDEXED_EPOCHS,
  ) {}

  /** Whether the work is registered: known so already, else as a read issued after this call began found it. */
  async isRegistered(studio: string, epoch: number, dataHash: Hex): Promise<boolean> {
    const work = this.#epoch(studio, epoch);
    const hash = dataHash.toLowerCase();
    // Registered is final for a workflow, as it was when each work read the list itself.
    if (work.hashes.has(hash)) return true;
    await work.refresh();
    return work.hashes.has(hash);
  }

  /** The epoch's entry, made the most recently used. */
  #epoch(studio: string, epoch: number): EpochWork {
    const key = `${studio.toLowerCase()}/${epoch}`;
    let work = this.#epochs.get(key);
    if (work) this.#epochs.delete(key);
    else work = new EpochWork((w) => this.#read(w, studio, epoch));
    this.#epochs.set(key, work);
    if (this.#epochs.size > this.maxEpochs) {
      const oldest = this.#epochs.keys().next().value as string;
      this.#epochs.delete(oldest);
    }
    return work;
  }

  async #read(work: EpochWork, studio: string, epoch: number): Promise<void> {
    const head = await this.source.head();
    const read = registrationRead(work.asOf, head, this.limits);
    if (read.kind === "list") work.replace(await this.source.list(studio, epoch), head);
    else work.add(await this.source.registeredSince(studio, epoch, read.fromBlock), head);
  }
}

/** One epoch's registered works as of a head block, and the read that brings them up to date. */
class EpochWork {
  hashes = new Set<string>();
  /** The head read before the last read applied; undefined until one was. */
  asOf: bigint | undefined;
  #inFlight: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  constructor(private readonly read: (work: EpochWork) => Promise<void>) {}

  /**
   * Resolves once a read issued after this call was applied. A read already in flight may have
   * been answered before what the caller just learnt (the receipt of its own registration), so the
   * caller waits for the next one instead: at most one read in flight and one queued, shared by
   * everyone who asked meanwhile.
   */
  refresh(): Promise<void> {
    if (this.#inFlight === undefined) return this.#issue();
    this.#queued ??= this.#inFlight
      .catch(() => undefined)
      .then(() => {
        this.#queued = undefined;
        return this.#issue();
      });
    return this.#queued;
  }

  replace(hashes: readonly Hex[], asOf: bigint): void {
    this.hashes = new Set(hashes.map((h) => h.toLowerCase()));
    this.asOf = asOf;
  }

  add(hashes: readonly Hex[], asOf: bigint): void {
    for (const h of hashes) this.hashes.add(h.toLowerCase());
    this.asOf = asOf;
  }

  #issue(): Promise<void> {
    const read = this.read(this).finally(() => {
      if (this.#inFlight === read) this.#inFlight = undefined;
    });
    this.#inFlight = read;
    return read;
  }
}
