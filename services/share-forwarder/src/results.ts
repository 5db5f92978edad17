import { fromBinary } from "@bufbuild/protobuf";
import type { Bus } from "@gatehouse/bus";
import { type ShareForwardResult, ShareForwardResultSchema } from "@gatehouse/proto/mining/v1";
import type { EndOfTurn } from "@gatehouse/service";
import { DeliverPolicy } from "@nats-io/jetstream";
import type { DedupWindow } from "./dedup.js";

const IDLE_MS = 2_000;

/**
 * The SHARE_RESULTS stream as the forwarder uses it: records a result (Nats-Msg-Id = event_id,
 * so a result recorded twice — a redelivery after a crash — is stored once), and reads results
 * back for the dedup window and the admin replay.
 */
export class ResultLog {
  constructor(
    private readonly bus: Bus,
    readonly stream: string,
    private readonly turn: EndOfTurn,
  ) {}

  /**
   * Resolves once the result is stored; `duplicate` when it already was. The results recorded in
   * one event-loop turn are published together (one socket write), each awaiting its own PubAck.
   */
  async record(result: ShareForwardResult, traceparent?: string): Promise<{ duplicate: boolean }> {
    const ack = await this.turn.call(() =>
      this.bus.publishDurable(this.bus.subjects.shareResult, ShareForwardResultSchema, result, {
        msgId: result.eventId,
        expectStream: this.stream,
        ...(traceparent ? { traceparent } : {}),
      }),
    );
    return { duplicate: ack.duplicate };
  }

  /** Loads the last `count` recorded results into the dedup window (so a restart keeps it). */
  async seed(window: DedupWindow, count: number): Promise<number> {
    if (count === 0) return 0;
    const jsm = await this.bus.jsm();
    const { state } = await jsm.streams.info(this.stream);
    if (state.messages === 0) return 0;
    const start = Math.max(state.first_seq, state.last_seq - count + 1);
    let loaded = 0;
    await this.#read({ deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start }, (result, seq) => {
      window.remember(result.shareId, result.eventId);
      loaded += 1;
      return seq < state.last_seq;
    });
    return loaded;
  }

  /** Calls `each` with the results recorded in [fromMs, toMs] (by record time), at most `limit`. */
  async replay(fromMs: number, toMs: number, limit: number, each: (result: ShareForwardResult) => void): Promise<number> {
    const jsm = await this.bus.jsm();
    const { state } = await jsm.streams.info(this.stream);
    if (state.messages === 0 || limit === 0) return 0;
    let sent = 0;
    await this.#read({ deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(fromMs).toISOString() }, (result, seq) => {
      if (Number(result.timestampMs) > toMs) return false;
      if (Number(result.timestampMs) >= fromMs) {
        each(result);
        sent += 1;
      }
      return sent < limit && seq < state.last_seq;
    });
    return sent;
  }

  /**
   * Reads the stream in order with an ephemeral ordered consumer until `each` returns false, the
   * stream is exhausted, or nothing arrives for IDLE_MS (a start past the last message).
   */
  async #read(
    start: { deliver_policy: DeliverPolicy; opt_start_seq?: number; opt_start_time?: string },
    each: (result: ShareForwardResult, seq: number) => boolean,
  ): Promise<void> {
    const consumer = await this.bus.js.consumers.get(this.stream, start);
    const messages = await consumer.consume({ max_messages: 1_000 });
    let idle = setTimeout(() => void messages.close(), IDLE_MS);
    try {
      for await (const m of messages) {
        clearTimeout(idle);
        idle = setTimeout(() => void messages.close(), IDLE_MS);
        let result: ShareForwardResult;
        try {
          result = fromBinary(ShareForwardResultSchema, m.data);
        } catch {
          continue;
        }
        if (!each(result, m.seq) || m.info.pending === 0) break;
      }
    } finally {
      clearTimeout(idle);
      await messages.close();
    }
  }
}
