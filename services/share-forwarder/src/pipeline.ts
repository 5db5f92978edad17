import { setMaxListeners } from "node:events";
import { decodeReceived, Header, receivedHeader } from "@gatehouse/bus";
import { GatewayReason, type ShareAccepted, ShareAcceptedSchema, Sv2Response } from "@gatehouse/proto/mining/v1";
import type { Logger } from "@gatehouse/service";
import { type ForwardOutcome, notForwarded } from "@gatehouse/shares";
import type { JsMsg } from "@nats-io/jetstream";
import type { DedupWindow } from "./dedup.js";
import type { ForwardVerdict } from "./forward.js";

/** A delivered share this process holds (waiting or in flight), not yet acknowledged. */
export interface QueuedShare {
  msg: JsMsg;
  share: ShareAccepted;
  traceparent: string | undefined;
  /** performance.now() when it was delivered to this process. */
  deliveredAt: number;
}

export type DropPolicy = "drop_new" | "drop_old";

export interface PipelineOptions {
  maxInFlight: number;
  /** Delivered shares held waiting for a free in-flight slot. */
  bufferSize: number;
  queueSize: number;
  dropPolicy: DropPolicy;
  ackWaitMs: number;
  /** drop_old: how often the queue length is checked against queueSize. */
  evictionCheckMs: number;
}

export type IgnoredDelivery = "undecodable" | "not_success" | "already_recorded" | "in_progress" | "redelivered_share";

export interface PipelineDeps {
  /** Delivers one share; while the upstream is down, the limit on concurrent forwards is 1. */
  forward(item: QueuedShare, signal: AbortSignal): Promise<ForwardVerdict>;
  upstreamDown(): boolean;
  /** Records the share's one result; throws when it could not be stored. */
  record(item: QueuedShare, outcome: ForwardOutcome): Promise<void>;
  dedup: DedupWindow;
  /** Messages stored in the SHARES stream right now (the whole forward queue). */
  queueLength(): Promise<number>;
  logger: Logger;
  onResult?(outcome: ForwardOutcome, item: QueuedShare): void;
  /**
   * Runs `work` (a recorded share's ack) at the end of this event-loop turn, with the turn's
   * result publishes, so they go out in one socket write.
   */
  defer(work: () => void): void;
  onIgnored?(why: IgnoredDelivery): void;
}

const RECORD_RETRY_MS = 500;

/**
 * The forward pipeline over the SHARES work queue. Each delivered share ends in exactly one
 * recorded result, and its message is acknowledged only after that result is stored, so a crash
 * at any point leaves the share queued (redelivered after ack_wait) and a redelivery of a share
 * whose result exists is recognised by event_id and only acknowledged.
 *
 * drop_old: JetStream's own DiscardOld would delete the oldest messages silently, leaving no
 * trace of which shares went, so no result could ever name them. Instead the stream is bounded
 * with headroom (DiscardNew at twice the queue size) and this pipeline does the eviction: while
 * the stream holds more than queueSize shares, the oldest delivered-but-waiting shares are
 * acknowledged with a share_evicted_from_queue result instead of being forwarded.
 */
export class ForwardPipeline {
  readonly #waiting: QueuedShare[] = [];
  readonly #inFlight = new Set<QueuedShare>();
  /** Every share held, by stream sequence. */
  readonly #held = new Map<number, QueuedShare>();
  /** share_id → stream sequence of the share held with that share_id. */
  readonly #heldShareIds = new Map<string, number>();
  readonly #settling = new Set<Promise<void>>();
  readonly #forwarding = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  #paused = false;
  #acks = 0;
  #evicting = false;
  #wake: (() => void) | undefined;
  #timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly options: PipelineOptions,
    private readonly deps: PipelineDeps,
  ) {
    // Every share waiting out a backoff listens on this one signal: up to max_in_flight at once.
    setMaxListeners(0, this.#abort.signal);
  }

  /** Handles deliveries until the iterator ends (stop() closes it). */
  async run(messages: AsyncIterable<JsMsg>): Promise<void> {
    const workingEvery = Math.max(250, Math.floor(this.options.ackWaitMs / 3));
    this.#timers.push(setInterval(() => this.#keepAlive(), workingEvery));
    if (this.options.dropPolicy === "drop_old") {
      this.#timers.push(setInterval(() => void this.#evictExcess(), this.options.evictionCheckMs));
    }
    try {
      for await (const msg of messages) {
        this.#admit(msg);
        this.#dispatch();
        while (this.#waiting.length >= this.options.bufferSize && !this.#abort.signal.aborted) {
          await this.#roomOrTimeout(this.options.evictionCheckMs);
          this.#dispatch();
        }
      }
    } finally {
      for (const timer of this.#timers) clearInterval(timer);
    }
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#dispatch();
  }

  status(): { waiting: number; inFlight: number; paused: boolean } {
    return { waiting: this.#waiting.length, inFlight: this.#inFlight.size, paused: this.#paused };
  }

  /**
   * Stops forwarding: attempts in progress end at their next step, results being recorded are
   * finished, and every share still held is handed back to the queue (nak) for redelivery.
   */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#wake?.();
    await Promise.allSettled([...this.#forwarding]);
    await Promise.allSettled([...this.#settling]);
    for (const item of this.#held.values()) item.msg.nak();
    this.#held.clear();
  }

  #admit(msg: JsMsg): void {
    // Redelivery of a share still being worked on (its ack deadline passed): the holder settles it.
    if (this.#held.has(msg.seq)) {
      this.deps.onIgnored?.("in_progress");
      return;
    }
    let share: ShareAccepted;
    try {
      share = decodeReceived(ShareAcceptedSchema, msg);
    } catch (err) {
      this.deps.logger.error({ err, seq: msg.seq }, "undecodable message in the share queue terminated");
      msg.term();
      this.deps.onIgnored?.("undecodable");
      return;
    }
    if (share.sv2Response !== Sv2Response.success) {
      this.deps.logger.warn(
        { seq: msg.seq, eventId: share.eventId },
        "share queue holds a share the edge did not accept; dropped without a result",
      );
      msg.term();
      this.deps.onIgnored?.("not_success");
      return;
    }
    const item: QueuedShare = { msg, share, traceparent: receivedHeader(msg, Header.traceparent), deliveredAt: performance.now() };
    const verdict = this.deps.dedup.check(share.shareId, share.eventId);
    if (verdict === "already_recorded") {
      msg.ack();
      this.deps.onIgnored?.("already_recorded");
      return;
    }
    if (this.#heldShareIds.has(share.shareId)) {
      // Same proof of work under another sequence while the first is in progress: decide after it.
      msg.nak(this.options.ackWaitMs);
      this.deps.onIgnored?.("redelivered_share");
      return;
    }
    this.#hold(item);
    if (verdict === "replay") {
      void this.#settle(item, notForwarded(GatewayReason.share_replay_detected));
      return;
    }
    this.#waiting.push(item);
  }

  #hold(item: QueuedShare): void {
    this.#held.set(item.msg.seq, item);
    this.#heldShareIds.set(item.share.shareId, item.msg.seq);
  }

  #release(item: QueuedShare): void {
    this.#held.delete(item.msg.seq);
    if (this.#heldShareIds.get(item.share.shareId) === item.msg.seq) this.#heldShareIds.delete(item.share.shareId);
  }

  #dispatch(): void {
    if (this.#paused || this.#abort.signal.aborted) return;
    const limit = this.deps.upstreamDown() ? 1 : this.options.maxInFlight;
    while (this.#inFlight.size < limit && this.#waiting.length > 0) {
      this.#start(this.#waiting.shift() as QueuedShare);
    }
  }

  #start(item: QueuedShare): void {
    this.#inFlight.add(item);
    const task: Promise<void> = this.deps.forward(item, this.#abort.signal).then(
      (verdict) => {
        if (verdict.kind === "final") {
          void this.#settle(item, verdict.outcome);
          return;
        }
        this.#inFlight.delete(item);
        // Held while the upstream is unreachable: back to the head of the line, in order.
        if (verdict.kind === "held") this.#waiting.unshift(item);
        this.#dispatch();
      },
      (err) => {
        this.deps.logger.error({ err, eventId: item.share.eventId }, "forward failed unexpectedly; share stays queued");
        this.#inFlight.delete(item);
        this.#waiting.unshift(item);
      },
    );
    this.#forwarding.add(task);
    void task.finally(() => this.#forwarding.delete(task));
  }

  /** Records the share's result, then acknowledges its message. */
  #settle(item: QueuedShare, outcome: ForwardOutcome): Promise<void> {
    const task = (async () => {
      for (;;) {
        try {
          await this.deps.record(item, outcome);
          break;
        } catch (err) {
          this.deps.logger.warn({ err, eventId: item.share.eventId }, "recording a share result failed; retrying");
          if (this.#abort.signal.aborted) return;
          await new Promise((resolve) => setTimeout(resolve, RECORD_RETRY_MS));
        }
      }
      this.deps.dedup.remember(item.share.shareId, item.share.eventId);
      // Not waiting for the ack: were it lost, the redelivery it causes is recognised by
      // event_id (the result is already stored) and only acknowledged. drop_old asks the server
      // to confirm each ack, because its eviction check counts only acks the server has applied.
      if (this.options.dropPolicy === "drop_old") {
        this.deps.defer(
          () =>
            void item.msg.ackAck().then(
              () => {
                this.#acks += 1;
              },
              (err: unknown) => this.deps.logger.warn({ err, eventId: item.share.eventId }, "acknowledging a recorded share failed"),
            ),
        );
      } else {
        this.deps.defer(() => item.msg.ack());
      }
      this.deps.onResult?.(outcome, item);
    })().finally(() => {
      this.#inFlight.delete(item);
      this.#release(item);
      this.#settling.delete(task);
      this.#dispatch();
      this.#wake?.();
    });
    this.#settling.add(task);
    return task;
  }

  /** drop_old: evicts the oldest waiting shares while the queue holds more than queueSize. */
  async #evictExcess(): Promise<void> {
    if (this.#evicting || this.#waiting.length === 0 || this.#abort.signal.aborted) return;
    this.#evicting = true;
    try {
      const acksBefore = this.#acks;
      const length = await this.deps.queueLength();
      // Acks confirmed after this point are subtracted: those the server applied before counting
      // make this under-evict, which the next check corrects; over-evicting could not be undone.
      const excess = length - (this.#acks - acksBefore) - this.options.queueSize;
      const evicted: Promise<void>[] = [];
      for (let i = 0; i < excess && this.#waiting.length > 0; i++) {
        const item = this.#waiting.shift() as QueuedShare;
        evicted.push(this.#settle(item, notForwarded(GatewayReason.share_evicted_from_queue)));
      }
      // The next check must see these evictions acknowledged.
      await Promise.allSettled(evicted);
      this.#wake?.();
    } catch (err) {
      this.deps.logger.warn({ err }, "queue length check failed");
    } finally {
      this.#evicting = false;
    }
  }

  #roomOrTimeout(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        if (self.#wake === done) self.#wake = undefined;
        resolve();
      }
      this.#wake = done;
    });
  }

  #keepAlive(): void {
    for (const item of this.#held.values()) item.msg.working();
  }
}
