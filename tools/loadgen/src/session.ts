// One connection's live state (its client, channel work and the shares awaiting an answer), how an
// answer settles them, and the Wakeup the miner's loops wait on.
import type { MessageFields, Sv2Client } from "@gatehouse/sv2";
import type { ShareFields, ShareKind } from "./bad-shares.js";
import type { ChannelWork } from "./work.js";

export interface Produced {
  share: ShareFields & { extranonce: Uint8Array };
  /** The hash also meets the network target. */
  block: boolean;
  hash?: Buffer;
  shareId?: string;
}

export interface Pending {
  sentAt: number;
  kind: ShareKind;
  block: boolean;
  share: ShareFields & { extranonce: Uint8Array };
  generation: number;
  shareId: string | undefined;
}

/** Resolves everyone waiting whenever something they might be waiting for changed. */
export class Wakeup {
  #waiters: (() => void)[] = [];
  wait(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      if (timeoutMs !== undefined) setTimeout(resolve, timeoutMs).unref();
    });
  }
  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

/** One connection's live state: its client, channel, and shares awaiting an answer. */
export class Session {
  readonly pending = new Map<number, Pending>();
  sequence = 0;
  nonce: number;
  ended = false;
  lastAccepted: (ShareFields & { extranonce: Uint8Array; generation: number }) | undefined;
  cancelSearch: (() => void) | undefined;

  constructor(
    readonly client: Sv2Client,
    readonly work: ChannelWork,
    random: () => number,
  ) {
    // Connections start at different nonces so their shares never coincide.
    this.nonce = Math.floor(random() * 2 ** 32);
  }

  /**
   * A Success names the batch's last sequence number and how many it covers; the others are the
   * oldest outstanding shares before it (the edge acknowledges in arrival order).
   */
  takeAcknowledged(s: MessageFields<"SubmitSharesSuccess">): [number, Pending][] {
    const out: [number, Pending][] = [];
    const last = this.pending.get(s.lastSequenceNumber);
    if (last) {
      this.pending.delete(s.lastSequenceNumber);
      out.push([s.lastSequenceNumber, last]);
    }
    for (const [sequence, p] of this.pending) {
      if (out.length >= s.newSubmitsAcceptedCount) break;
      if (sequence >= s.lastSequenceNumber) break;
      this.pending.delete(sequence);
      out.push([sequence, p]);
    }
    return out;
  }

  /** Drops the shares sent before `sentBefore` (performance.now() time) that are still unanswered; returns how many. */
  expire(sentBefore: number): number {
    let expired = 0;
    for (const [sequence, p] of this.pending) {
      if (p.sentAt > sentBefore) break;
      this.pending.delete(sequence);
      expired += 1;
    }
    return expired;
  }
}
