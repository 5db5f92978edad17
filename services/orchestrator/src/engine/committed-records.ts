import type { WorkflowRecord } from "./types.js";

/** A workflow record as this replica's engine committed it (or its API created it), with the due time it set. */
export interface CommittedRecord {
  record: WorkflowRecord;
  /** The due time the commit set (null: not scheduled). */
  dueAt: number | null;
  /** When it was committed (unix ms). */
  at: number;
}

/**
 * Whether a record this replica committed is still the one the store holds at `now`, so a status
 * read may answer it without a query. A RUNNING workflow is due again only at `dueAt`: until then
 * no replica's scheduler can claim it, so only this replica's engine writes it; an operator's
 * cancel through another replica is the one other writer (its WorkflowEvent makes the replica
 * forget the record; a run the cancel fenced out forgets it at its next commit), and should the
 * event be lost a RUNNING record answers for at most `maxAge.runningMs`; this
 * replica claiming it again extends `dueAt` (see `CommittedRecords.claimed`). A CREATED workflow
 * this replica's API created changes only by a commit: this replica's (which replaces it here) or
 * another replica's engine or operator (whose WorkflowEvent makes the replica forget it), so it
 * answers for at most `maxAge.runningMs` too; a claim alone changes nothing a status read shows.
 * COMPLETED and FAILED are final. STALLED (the sweeper or an operator on any replica may move it
 * without this replica's engine) is read from the store.
 */
export function servableFromMemory(entry: CommittedRecord, now: number, maxAge: CommittedMaxAge): boolean {
  const { state } = entry.record;
  const age = now - entry.at;
  if (state === "COMPLETED" || state === "FAILED") return age < maxAge.finishedMs;
  if (state === "CREATED") return age < maxAge.runningMs;
  return state === "RUNNING" && entry.dueAt !== null && now < entry.dueAt && age < maxAge.runningMs;
}

/** How long a committed record may answer status reads. */
export interface CommittedMaxAge {
  runningMs: number;
  finishedMs: number;
}

/**
 * The records this replica's engine committed last, bounded in number, so status pollers
 * (`GET /workflows/:id`, the SDK's `waitForCompletion`) are answered from memory while
 * `servableFromMemory` holds, and from the store otherwise.
 */
export class CommittedRecords {
  readonly #entries = new Map<string, CommittedRecord>();

  constructor(
    private readonly capacity: number,
    private readonly maxAge: CommittedMaxAge,
  ) {}

  committed(record: WorkflowRecord, dueAt: number | null, now: number): void {
    this.#entries.delete(record.id);
    this.#entries.set(record.id, { record, dueAt, at: now });
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /**
   * This replica claimed `id` again with lease `token` until `leaseUntil`: no other writer came in
   * between when the token is the one after its last commit's (a claim by another replica, or an
   * operator's fence, would have bumped it), so the record stands for the new lease too.
   */
  claimed(id: string, token: number, leaseUntil: number): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    if (entry.record.leaseToken + 1 === token) entry.dueAt = leaseUntil;
    else this.#entries.delete(id);
  }

  forget(id: string): void {
    this.#entries.delete(id);
  }

  /** The committed record of `id` if the store still holds it at `now`, else undefined. */
  get(id: string, now: number): WorkflowRecord | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (servableFromMemory(entry, now, this.maxAge)) return entry.record;
    this.#entries.delete(id);
    return undefined;
  }
}
