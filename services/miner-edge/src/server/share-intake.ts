import { concat, hashToDisplay } from "@gatehouse/bitcoin";
import { TaskWindow } from "@gatehouse/bus";
import { EdgeEventType, GatewayReason, Sv2Response, ValidationLevel } from "@gatehouse/proto/mining/v1";
import type { Clock, Logger, TokenBucket } from "@gatehouse/service";
import type { MessageFields, MessageName } from "@gatehouse/sv2";
import type { Config } from "../config.js";
import type { EventInit } from "../ops/event-log.js";
import type { MiningChannel } from "../protocol/channel.js";
import { type ShareRejection, validateShare } from "../protocol/validate.js";
import type { Vardiff } from "../protocol/vardiff.js";
import type { AcceptedShare, ShareSink } from "../shares/sink.js";
import type { CachedTemplate, EffectiveMode, TemplateBook } from "../templates/book.js";
import { channelCoinbaseParts } from "../templates/coinbase.js";

/** A channel open on a connection, with its vardiff and share rate limit. */
export interface OpenChannel {
  channel: MiningChannel;
  vardiff: Vardiff;
  rate: TokenBucket;
}

/** What the share pipeline needs from the edge. */
export interface ShareIntakeDeps {
  config: Config;
  book: TemplateBook;
  dedup: { seenBefore(shareId: string): Promise<boolean>; forget(shareId: string): Promise<void> };
  shares: ShareSink;
  mode(): EffectiveMode;
  logger: Logger;
  clock: Clock;
  onShare(result: "accepted" | "rejected", reason: string, ackSeconds: number): void;
}

/** The session a share is answered on. */
export interface ShareAnswers {
  send<N extends MessageName>(name: N, message: MessageFields<N>): void;
  /** `encodedShare`: the event's share detail as stored in SHARES (sink.ts), embedded without encoding it again. */
  event(init: EventInit, encodedShare?: Uint8Array): void;
  /** The pipeline itself failed (a bug, not the miner's doing): the connection ends. */
  failed(err: unknown): void;
}

/** SV2 error strings on the wire (SRI's where one exists), seed reason codes everywhere else. */
const SUBMIT_ERROR: Record<
  | ShareRejection
  | "invalid_channel_id"
  | "share_replay_detected"
  | "share_rate_limited"
  | "template_cache_miss"
  | "share_forward_failed"
  | "share_dropped_queue_full",
  string
> = {
  invalid_channel_id: "invalid-channel-id",
  stale_job_submission: "stale-share",
  share_invalid_job_id: "invalid-job-id",
  template_cache_miss: "stale-share",
  ntime_out_of_range: "invalid-share",
  version_bit_violation: "invalid-non-rollable-version-bit",
  share_difficulty_below_target: "difficulty-too-low",
  share_invalid_nonce: "bad-extranonce-size",
  share_replay_detected: "duplicate-share",
  share_rate_limited: "rate-limited",
  share_forward_failed: "share-not-stored",
  share_dropped_queue_full: "share-not-stored",
};

type SubmitRejection = keyof typeof SUBMIT_ERROR;

/** SubmitSharesStandard, or SubmitSharesExtended with its extranonce. */
type Submit = MessageFields<"SubmitSharesStandard"> & { extranonce?: Uint8Array };

const BLOCK_NOT_SHARE = "meets the network target but not the job's: submitted as a block, not credited as a share";

/** Shares of one connection being validated and stored at once (bounded; the reader waits beyond it). */
const MAX_SHARES_IN_FLIGHT = 32;

/** A share as it arrived: what its answer and its event are built from. */
interface Received {
  share: Submit;
  extended: boolean;
  receivedAt: number;
}

/**
 * The share pipeline of one connection: channel, rate limit, template, validation (SRI's order,
 * protocol/validate.ts), replay check, storage, answer. A share is answered only once validated
 * and (inline, or a block) stored in the SHARES stream; what it does to the channel's counters is
 * the channel's ShareAccounting.
 */
export class ShareIntake {
  /** Shares taken in and not yet answered (counted, not kept: see TaskWindow). */
  readonly #inFlight = new TaskWindow(MAX_SHARES_IN_FLIGHT);

  constructor(
    private readonly connectionId: bigint,
    private readonly channels: ReadonlyMap<number, OpenChannel>,
    private readonly deps: ShareIntakeDeps,
    private readonly answers: ShareAnswers,
  ) {}

  /**
   * Shares wait on Redis and (inline) JetStream; handling them one at a time would cap a miner at
   * one share per round trip. Up to MAX_SHARES_IN_FLIGHT run at once: each answer names its
   * sequence number, and everything a share changes synchronously happens in arrival order.
   */
  async enqueue(share: Submit, extended: boolean): Promise<void> {
    await this.#inFlight.room();
    const received = { share, extended, receivedAt: this.deps.clock.now() };
    this.#inFlight.run(() => this.#submit(received).catch((err: unknown) => this.answers.failed(err)));
  }

  /** Resolves once every share taken in has been answered. */
  drain(): Promise<void> {
    return this.#inFlight.idle();
  }

  async #submit(r: Received): Promise<void> {
    const { share: s, extended } = r;
    const open = this.channels.get(s.channelId);
    if (!open || open.channel.extended !== extended) {
      const detail = open
        ? `channel ${s.channelId} is ${extended ? "standard: submit SubmitSharesStandard" : "extended: submit SubmitSharesExtended"}`
        : `channel ${s.channelId} is not open on this connection`;
      return this.#reject(r, open?.channel, "invalid_channel_id", detail, 0);
    }
    const { channel } = open;
    if (!open.rate.take()) return this.#reject(r, channel, "share_rate_limited", "share rate above max_shares_per_second_per_channel", 0);
    const job = channel.job(s.jobId);
    const template = job ? this.deps.book.get(job.templateId) : undefined;
    if (job && !template) return this.#reject(r, channel, "template_cache_miss", `template ${job.templateId} left the cache`, 0);
    const verdict = validateShare(channel, s, {
      versionMask: this.deps.config.version_rolling_mask,
      maxNtimeOffsetSeconds: this.deps.config.max_ntime_offset_seconds,
      nowSeconds: Math.floor(r.receivedAt / 1000),
    });
    if (!verdict.ok) return this.#reject(r, channel, verdict.reason, verdict.detail, s.jobId);
    const cached = template as CachedTemplate;
    let validationLevel = ValidationLevel.full;
    try {
      if (await this.deps.dedup.seenBefore(hashToDisplay(verdict.hash))) {
        return this.#reject(r, channel, "share_replay_detected", "this header was already submitted", s.jobId);
      }
    } catch (err) {
      // Without Redis the replay check cannot run; the share says so instead of being refused.
      validationLevel = ValidationLevel.basic;
      this.deps.logger.warn({ err: (err as Error).message }, "share dedup unavailable; share accepted at validation_level basic");
    }
    const { difficulty } = verdict.job;
    const accepted: AcceptedShare = {
      header: verdict.header,
      hash: verdict.hash,
      workerId: channel.workerId,
      poolAccountId: channel.poolAccountId,
      validationLevel,
      channelId: channel.channelId,
      sequenceNumber: s.sequenceNumber,
      jobId: s.jobId,
      template: cached.proposal,
      difficulty,
      channelTarget: verdict.job.target,
      receivedAtMs: r.receivedAt,
      connectionId: this.connectionId,
      isBlock: verdict.isBlock,
      credited: verdict.isShare,
      coinbase: verdict.isBlock ? channelCoinbaseParts(cached, channel) : undefined,
      // The coinbase's whole extranonce: the channel's prefix, then (extended) the miner's part.
      extranoncePrefix: extended ? concat([channel.extranoncePrefix, s.extranonce ?? new Uint8Array(0)]) : channel.extranoncePrefix,
      mode: this.deps.mode(),
    };
    // Durability follows the configured mode: a degraded inline edge still stores before it answers.
    const durable = this.deps.config.mode === "inline" || verdict.isBlock;
    const stored = this.deps.shares.publish(accepted);
    if (!durable) {
      // Observe: the miner is answered now; the share is stored in the background.
      stored.then(
        (outcome) => this.answers.event(outcome.event, outcome.encodedShare),
        (err: unknown) => this.deps.logger.error({ err: (err as Error).message }, "accepted share could not be stored"),
      );
      this.#acknowledge(r, open, difficulty, verdict.isBlock);
      return;
    }
    const outcome = await stored.catch((err: unknown) => err as Error);
    if (outcome instanceof Error || outcome.outcome === "dropped") {
      const reason = outcome instanceof Error ? "share_forward_failed" : "share_dropped_queue_full";
      // Not stored, so not credited: the miner may submit it again without it counting as a replay.
      if (validationLevel === ValidationLevel.full) await this.deps.dedup.forget(hashToDisplay(verdict.hash)).catch(() => undefined);
      return this.#reject(r, channel, reason, outcome instanceof Error ? outcome.message : "forward queue full", s.jobId);
    }
    this.answers.event(outcome.event, outcome.encodedShare);
    if (!verdict.isShare) return this.#reject(r, channel, "share_difficulty_below_target", BLOCK_NOT_SHARE, s.jobId);
    this.#acknowledge(r, open, difficulty, verdict.isBlock);
  }

  /** Credits the share; SubmitShares.Success when the channel's batch is due. */
  #acknowledge(r: Received, open: OpenChannel, difficulty: number, isBlock: boolean): void {
    const { channel } = open;
    open.vardiff.recordShare();
    const ack = channel.shares.accept(r.share.sequenceNumber, difficulty, isBlock);
    if (ack) this.answers.send("SubmitSharesSuccess", { channelId: channel.channelId, ...ack });
    this.deps.onShare("accepted", "", (this.deps.clock.now() - r.receivedAt) / 1000);
  }

  #reject(r: Received, channel: MiningChannel | undefined, reason: SubmitRejection, detail: string, jobId: number): void {
    const { channelId, sequenceNumber } = r.share;
    channel?.shares.reject();
    this.answers.send("SubmitSharesError", { channelId, sequenceNumber, errorCode: SUBMIT_ERROR[reason] });
    const workerId = channel?.workerId ?? "";
    this.answers.event({
      type: EdgeEventType.share_rejected,
      reasonCode: GatewayReason[reason],
      reasonDetail: detail,
      channelId,
      jobId,
      workerId,
      detail: {
        case: "share",
        value: {
          channelId,
          jobId,
          sequenceNumber,
          workerId,
          sv2Response: Sv2Response.error,
          reasonCode: GatewayReason[reason],
          reasonDetail: detail,
          timestampMs: BigInt(r.receivedAt),
          connectionId: this.connectionId,
          difficultyTarget: channel ? channel.difficulty : 0,
        },
      },
    });
    this.deps.onShare("rejected", reason, (this.deps.clock.now() - r.receivedAt) / 1000);
  }
}
