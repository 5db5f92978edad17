/** The deadlines a miner connection must meet after its handshake. */
export type DeadlineKind = "setup" | "channel" | "frame";

export interface DeadlineLimits {
  /** From the handshake's end until SetupConnection has arrived. */
  setupMs: number;
  /** From the handshake's end until a channel has been opened. */
  channelMs: number;
  /** From a frame's first byte until its last. */
  frameMs: number;
}

export interface Deadline {
  kind: DeadlineKind;
  /** When it passes (same clock as the times given). */
  at: number;
}

/**
 * The deadlines of one miner connection, apart from sockets and clocks: the server reports what
 * happened and when, and asks which deadline comes next and whether it has passed. An idle
 * timeout alone cannot stop a slow client (any byte resets it): these bound how long a frame may
 * take to arrive and how long a connection may stay without setting up and mining.
 */
export class ConnectionDeadlines {
  #setupDone = false;
  #channelOpened = false;
  /** When the frame now arriving began; undefined between frames. */
  #frameSince: number | undefined;
  #framesSeen = 0;

  constructor(
    private readonly limits: DeadlineLimits,
    private readonly establishedAt: number,
  ) {}

  setupDone(): void {
    this.#setupDone = true;
  }

  channelOpened(): void {
    this.#channelOpened = true;
  }

  /**
   * After each read: whether part of a frame is waiting for the rest, and how many whole frames
   * the connection has received so far (a new count means the partial frame is a new one).
   */
  received(partial: boolean, framesSeen: number, now: number): void {
    if (!partial) this.#frameSince = undefined;
    else if (this.#frameSince === undefined || framesSeen !== this.#framesSeen) this.#frameSince = now;
    this.#framesSeen = framesSeen;
  }

  /** The earliest deadline still pending, or undefined when the connection owes nothing. */
  next(): Deadline | undefined {
    const pending: Deadline[] = [];
    if (!this.#setupDone) pending.push({ kind: "setup", at: this.establishedAt + this.limits.setupMs });
    if (!this.#channelOpened) pending.push({ kind: "channel", at: this.establishedAt + this.limits.channelMs });
    if (this.#frameSince !== undefined) pending.push({ kind: "frame", at: this.#frameSince + this.limits.frameMs });
    let first: Deadline | undefined;
    for (const d of pending) if (!first || d.at < first.at) first = d;
    return first;
  }

  /** The deadline that has passed by `now`, if one has. */
  expired(now: number): Deadline | undefined {
    const next = this.next();
    return next && now >= next.at ? next : undefined;
  }
}
