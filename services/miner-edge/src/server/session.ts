import { concat, difficultyToTarget, hashToDisplay, targetToDifficulty, u256FromLE } from "@gatehouse/bitcoin";
import { EdgeEventType, GatewayMode, GatewayReason, Sv2Response, ValidationLevel } from "@gatehouse/proto/mining/v1";
import { type Clock, type Logger, TokenBucket } from "@gatehouse/service";
import { type AnyMessage, type MessageFields, type MessageName, Protocol, SetupConnectionFlags, Sv2Error } from "@gatehouse/sv2";
import type { Config } from "../config.js";
import type { EventInit, EventLog } from "../ops/event-log.js";
import type { Authorizer } from "../protocol/auth.js";
import { MiningChannel } from "../protocol/channel.js";
import { EXTRANONCE_PREFIX_BYTES, type ExtranonceAllocator } from "../protocol/extranonce.js";
import { type ShareRejection, validateShare } from "../protocol/validate.js";
import { Vardiff } from "../protocol/vardiff.js";
import type { AcceptedShare, ShareSink } from "../shares/sink.js";
import type { CachedTemplate, EffectiveMode, TemplateBook } from "../templates/book.js";
import { type CoinbaseParts, channelMerkleRoot, coinbasePartsFor } from "../templates/coinbase.js";
import { sendFailureReason, transportReason } from "./close-reasons.js";

/** Progress the connection's deadlines wait for (see admission/deadlines.ts). */
export interface SessionMilestones {
  setupDone(): void;
  channelOpened(): void;
}

/** What the session needs from a transport: libs/sv2's Sv2Connection satisfies it. */
export interface MinerLink {
  messages(): AsyncGenerator<AnyMessage, void, undefined>;
  send<N extends MessageName>(name: N, message: MessageFields<N>): Promise<void>;
  close(): Promise<void>;
  abort(err: Sv2Error): void;
}

export interface SessionDeps {
  config: Config;
  authorizer: Authorizer;
  allocator: ExtranonceAllocator;
  book: TemplateBook;
  events: EventLog;
  dedup: { seenBefore(shareId: string): Promise<boolean>; forget(shareId: string): Promise<void> };
  shares: ShareSink;
  mode(): EffectiveMode;
  logger: Logger;
  clock: Clock;
  onShare(result: "accepted" | "rejected", reason: string, ackSeconds: number): void;
}

interface OpenChannel {
  channel: MiningChannel;
  vardiff: Vardiff;
  rate: TokenBucket;
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

/** A protocol violation that ends the connection, with its reason code. */
export class SessionClose extends Error {
  constructor(
    readonly reason: GatewayReason,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * One miner connection after the handshake: SetupConnection, standard channels, jobs and shares.
 * Messages are handled strictly in order; a share is answered only once it is validated and (in
 * inline mode) stored in the SHARES stream.
 */
export class MinerSession {
  readonly channels = new Map<number, OpenChannel>();
  readonly openedAt: number;
  #setupDone = false;
  #nextChannelId = 1;
  #closed = false;
  bytesIn = 0;
  messagesIn = 0;
  readonly #messageQuota: TokenBucket;
  readonly #byteQuota: TokenBucket;
  #vardiffTimer: NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    readonly connectionId: bigint,
    readonly peerAddress: string,
    private readonly link: MinerLink,
    private readonly deps: SessionDeps,
    private readonly milestones?: SessionMilestones,
  ) {
    const c = deps.config;
    this.openedAt = deps.clock.now();
    this.#messageQuota = new TokenBucket(c.rate_limit_messages_per_sec, c.rate_limit_messages_per_sec * 2, deps.clock);
    this.#byteQuota = new TokenBucket(c.rate_limit_bytes_per_sec, c.rate_limit_bytes_per_sec * 2, deps.clock);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Counts raw inbound bytes against the byte quota; called from the socket's data events. */
  onBytes(count: number): void {
    this.bytesIn += count;
    if (!this.#byteQuota.take(count)) {
      this.#fail(GatewayReason.peer_quota_exceeded, `more than ${this.deps.config.rate_limit_bytes_per_sec} bytes/s`);
    }
  }

  /** Runs until the peer leaves or the session fails; never throws. */
  async run(): Promise<void> {
    this.#vardiffTimer = setInterval(() => this.#retarget(), Math.min(this.deps.config.vardiff_interval_ms, 60_000));
    this.#vardiffTimer.unref();
    try {
      for await (const message of this.link.messages()) {
        this.messagesIn += 1;
        if (!this.#messageQuota.take()) {
          throw new SessionClose(GatewayReason.peer_quota_exceeded, `more than ${this.deps.config.rate_limit_messages_per_sec} messages/s`);
        }
        if (message.type === "SubmitSharesStandard" && this.#setupDone) await this.#submitConcurrently(message.message, false);
        else if (message.type === "SubmitSharesExtended" && this.#setupDone) await this.#submitConcurrently(message.message, true);
        else await this.#handle(message);
      }
      await Promise.all(this.#inFlight);
      this.#closeEvent(GatewayReason.GATEWAY_REASON_UNSPECIFIED, "peer closed the connection");
    } catch (err) {
      if (err instanceof SessionClose) this.#fail(err.reason, err.message);
      else if (err instanceof Sv2Error) this.#fail(transportReason(err), err.message);
      else {
        this.deps.logger.error({ err, connectionId: String(this.connectionId) }, "miner session failed");
        this.#fail(GatewayReason.edge_internal_error, "internal error");
      }
    } finally {
      this.#cleanup();
    }
  }

  /** Drops the connection at once with its reason (a missed deadline): nothing more is sent. */
  abort(reason: GatewayReason, detail: string): void {
    this.#fail(reason, detail);
  }

  /** Ends the session from outside (admin disconnect, shutdown, prevhash_switch_timeout). */
  async shutdown(reason: GatewayReason, detail: string): Promise<void> {
    if (this.#closed) return;
    for (const { channel } of this.channels.values()) {
      this.#send("CloseChannel", { channelId: channel.channelId, reasonCode: detail.slice(0, 255).replace(/[^\x20-\x7e]/g, "?") });
    }
    this.#closeEvent(reason, detail);
    this.#closed = true;
    await this.link.close();
  }

  /**
   * Shares wait on Redis and (inline) JetStream; handling them one at a time would cap a miner at
   * one share per round trip. Up to MAX_SHARES_IN_FLIGHT run at once: each answer names its
   * sequence number, and everything a share changes synchronously happens in arrival order.
   */
  async #submitConcurrently(share: Submit, extended: boolean): Promise<void> {
    if (this.#inFlight.size >= MAX_SHARES_IN_FLIGHT) await Promise.race(this.#inFlight);
    const work = this.#submit(share, extended).catch((err: unknown) => {
      this.deps.logger.error({ err, connectionId: String(this.connectionId) }, "share handling failed");
      this.#fail(GatewayReason.edge_internal_error, "internal error");
    });
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  #fail(reason: GatewayReason, detail: string): void {
    if (this.#closed) return;
    this.#closeEvent(reason, detail);
    this.#closed = true;
    this.link.abort(new Sv2Error("connection_closed", detail));
  }

  #cleanup(): void {
    clearInterval(this.#vardiffTimer);
    this.#closed = true;
  }

  #closeEvent(reason: GatewayReason, detail: string): void {
    if (this.#closed) return;
    for (const { channel } of this.channels.values())
      this.#event({ type: EdgeEventType.channel_closed, channelId: channel.channelId, workerId: channel.workerId, reasonDetail: detail });
    this.#event({ type: EdgeEventType.connection_closed, reasonCode: reason, reasonDetail: detail });
  }

  #event(init: EventInit): void {
    this.deps.events.record({ connectionId: this.connectionId, peerAddress: this.peerAddress, mode: modeValue(this.deps.mode()), ...init });
  }

  #send<N extends MessageName>(name: N, message: MessageFields<N>): void {
    this.link.send(name, message).catch((err: unknown) => {
      this.#fail(sendFailureReason(err), `send failed: ${(err as Error).message}`);
    });
  }

  async #handle(m: AnyMessage): Promise<void> {
    if (!this.#setupDone) {
      if (m.type !== "SetupConnection") throw new SessionClose(GatewayReason.frame_decode_error, `${m.type} before SetupConnection`);
      this.#setup(m.message);
      return;
    }
    switch (m.type) {
      case "OpenStandardMiningChannel":
        return this.#openChannel(m.message, undefined);
      case "OpenExtendedMiningChannel":
        if (this.deps.config.extended_channels_enabled) return this.#openChannel(m.message, m.message.minExtranonceSize);
        this.#send("OpenMiningChannelError", { requestId: m.message.requestId, errorCode: "extended-channels-not-supported" });
        this.#event({
          type: EdgeEventType.channel_rejected,
          reasonCode: GatewayReason.extended_channel_unsupported,
          workerId: m.message.userIdentity.slice(0, 255),
        });
        return;
      case "SubmitSharesStandard":
        return this.#submit(m.message, false);
      case "SubmitSharesExtended":
        return this.#submit(m.message, true);
      case "UpdateChannel":
        return this.#update(m.message);
      case "CloseChannel": {
        const open = this.channels.get(m.message.channelId);
        if (!open) return;
        this.channels.delete(m.message.channelId);
        this.#event({
          type: EdgeEventType.channel_closed,
          channelId: open.channel.channelId,
          workerId: open.channel.workerId,
          reasonDetail: m.message.reasonCode,
        });
        return;
      }
      default:
        throw new SessionClose(GatewayReason.frame_decode_error, `unexpected ${m.type} from a miner`);
    }
  }

  #setup(s: MessageFields<"SetupConnection">): void {
    const refuse = (errorCode: string, flags: number, reason: GatewayReason) => {
      this.#send("SetupConnectionError", { flags, errorCode });
      this.#event({ type: EdgeEventType.setup_connection_failed, reasonCode: reason, reasonDetail: errorCode });
      throw new SessionClose(reason, `SetupConnection refused: ${errorCode}`);
    };
    if (s.protocol !== Protocol.mining) refuse("unsupported-protocol", 0, GatewayReason.unsupported_protocol_version);
    if (s.minVersion > 2 || s.maxVersion < 2) refuse("protocol-version-mismatch", 0, GatewayReason.unsupported_protocol_version);
    if (s.flags & SetupConnectionFlags.requiresWorkSelection) {
      refuse("unsupported-feature-flags", SetupConnectionFlags.requiresWorkSelection, GatewayReason.unsupported_protocol_version);
    }
    this.#setupDone = true;
    this.milestones?.setupDone();
    // Server flags: we neither fix the version (miners may roll the mask) nor require extended channels.
    this.#send("SetupConnectionSuccess", { usedVersion: 2, flags: 0 });
    this.#event({ type: EdgeEventType.setup_connection_succeeded, reasonDetail: `${s.vendor} ${s.firmware}`.trim().slice(0, 200) });
  }

  /** Standard channel, or extended when the miner asked for at least `minExtranonceSize` bytes of its own. */
  #openChannel(o: MessageFields<"OpenStandardMiningChannel">, minExtranonceSize: number | undefined): void {
    const deny = (reason: GatewayReason, errorCode: string, detail: string) => {
      this.#send("OpenMiningChannelError", { requestId: o.requestId, errorCode });
      this.#event({
        type: EdgeEventType.channel_rejected,
        reasonCode: reason,
        reasonDetail: detail,
        workerId: o.userIdentity.slice(0, this.deps.config.max_worker_id_bytes),
      });
    };
    const auth = this.deps.authorizer.authorize(o.userIdentity);
    if (!auth.ok) {
      deny(GatewayReason[auth.reason], auth.reason === "identity_too_long" ? "invalid-user-identity" : "unknown-user", auth.detail);
      return;
    }
    if (this.channels.size >= this.deps.config.max_channels_per_connection) {
      deny(GatewayReason.channel_limit_exceeded, "max-channels-exceeded", `connection already has ${this.channels.size} channels`);
      return;
    }
    if (!Number.isFinite(o.nominalHashRate) || o.nominalHashRate < 0) {
      deny(GatewayReason.channel_open_rejected, "invalid-nominal-hashrate", `nominal_hash_rate ${o.nominalHashRate}`);
      return;
    }
    const extranonceSize = this.deps.config.extended_extranonce_size;
    if (minExtranonceSize !== undefined && minExtranonceSize > extranonceSize) {
      deny(
        GatewayReason.channel_open_rejected,
        "min-extranonce-size-too-large",
        `min_extranonce_size ${minExtranonceSize} exceeds extended_extranonce_size ${extranonceSize}`,
      );
      return;
    }
    const current = this.deps.book.current;
    const stale = !current || this.deps.clock.now() - current.receivedAt > this.deps.config.upstream_stale_max_ms;
    if (stale && this.deps.config.upstream_failure_policy === "fail_closed") {
      deny(
        GatewayReason.upstream_unavailable,
        "upstream-unavailable",
        current ? "the newest template is older than upstream_stale_max_ms" : "no template yet",
      );
      return;
    }
    const maxTarget = u256FromLE(o.maxTarget);
    const initial = difficultyToTarget(this.deps.config.initial_difficulty);
    // The miner's max_target caps our starting difficulty's target.
    let target = initial;
    if (maxTarget < target) target = maxTarget;
    const now = this.deps.clock.now();
    const channel = new MiningChannel(
      this.#nextChannelId++,
      auth.workerId,
      auth.poolAccountId,
      this.deps.allocator.next(),
      target,
      now,
      minExtranonceSize === undefined ? 0 : extranonceSize,
    );
    const perSecond = this.deps.config.max_shares_per_second_per_channel;
    this.channels.set(channel.channelId, {
      channel,
      vardiff: new Vardiff(this.deps.config.shares_per_minute, target > 0n ? target : 1n, now),
      rate: new TokenBucket(perSecond, perSecond * 2, this.deps.clock),
    });
    const opened = {
      requestId: o.requestId,
      channelId: channel.channelId,
      target: channel.targetLE,
      extranoncePrefix: channel.extranoncePrefix,
      groupChannelId: 0,
    };
    if (channel.extended) this.#send("OpenExtendedMiningChannelSuccess", { ...opened, extranonceSize: channel.extranonceSize });
    else this.#send("OpenStandardMiningChannelSuccess", opened);
    this.#event({ type: EdgeEventType.channel_opened, channelId: channel.channelId, workerId: channel.workerId });
    this.milestones?.channelOpened();
    if (current) this.#sendJob(channel, current, true);
  }

  /** Sends one template to one channel: a future job + SetNewPrevHash on a new tip, else an active job. */
  sendJob(template: CachedTemplate, newTip: boolean): void {
    if (this.#closed) return;
    for (const { channel } of this.channels.values()) this.#sendJob(channel, template, newTip || !channel.tip);
  }

  #sendJob(channel: MiningChannel, template: CachedTemplate, newTip: boolean): void {
    const p = template.proposal;
    const minNtime = newTip ? undefined : p.headerTimestamp;
    if (channel.extended) {
      // The miner completes the coinbase with its extranonce, so it gets the parts and the path.
      const parts = this.#parts(channel, template);
      const coinbase = { prefix: parts.strippedPrefix, suffix: parts.strippedSuffix, merklePath: p.merklePath };
      const job = channel.addJob({ templateId: p.templateId, version: p.blockVersion, merkleRoot: new Uint8Array(0), coinbase, minNtime });
      this.#send("NewExtendedMiningJob", {
        channelId: channel.channelId,
        jobId: job.jobId,
        minNtime: job.minNtime,
        version: p.blockVersion,
        versionRollingAllowed: true,
        merklePath: p.merklePath,
        coinbaseTxPrefix: coinbase.prefix,
        coinbaseTxSuffix: coinbase.suffix,
      });
      if (newTip) this.#newTip(channel, template, job.jobId);
      return;
    }
    const merkleRoot = channelMerkleRoot(template.parts, channel.extranoncePrefix, p.merklePath);
    const job = channel.addJob({ templateId: p.templateId, version: p.blockVersion, merkleRoot, minNtime });
    this.#send("NewMiningJob", {
      channelId: channel.channelId,
      jobId: job.jobId,
      minNtime: job.minNtime,
      version: p.blockVersion,
      merkleRoot,
    });
    if (newTip) this.#newTip(channel, template, job.jobId);
  }

  /** The coinbase split a channel's shares are checked against: extended ones leave room for the miner's extranonce. */
  #parts(channel: MiningChannel, template: CachedTemplate): CoinbaseParts {
    return channel.extended ? coinbasePartsFor(template.proposal, EXTRANONCE_PREFIX_BYTES + channel.extranonceSize) : template.parts;
  }

  #newTip(channel: MiningChannel, template: CachedTemplate, jobId: number): void {
    const p = template.proposal;
    channel.activate(jobId, {
      prevHash: template.prevHash,
      nbits: p.nbits,
      minNtime: p.headerTimestamp,
      networkTarget: template.networkTarget,
      templateId: p.templateId,
      blockHeight: p.blockHeight,
    });
    this.#send("SetNewPrevHash", {
      channelId: channel.channelId,
      jobId,
      prevHash: template.prevHash,
      minNtime: p.headerTimestamp,
      nbits: p.nbits,
    });
  }

  /** prevhash_switch_timeout under fail_closed: no job of the old tip may earn credit any more. */
  expireJobs(): void {
    for (const { channel } of this.channels.values()) channel.expireAll();
  }

  #update(u: MessageFields<"UpdateChannel">): void {
    const open = this.channels.get(u.channelId);
    if (!open) {
      this.#send("UpdateChannelError", { channelId: u.channelId, errorCode: "invalid-channel-id" });
      return;
    }
    if (!Number.isFinite(u.nominalHashRate) || u.nominalHashRate < 0) {
      this.#send("UpdateChannelError", { channelId: u.channelId, errorCode: "invalid-nominal-hashrate" });
      return;
    }
    const max = u256FromLE(u.maximumTarget);
    if (max < open.channel.target) this.#setTarget(open, max);
  }

  #setTarget(open: OpenChannel, target: bigint): void {
    open.channel.setTarget(target);
    this.#send("SetTarget", { channelId: open.channel.channelId, maximumTarget: open.channel.targetLE });
  }

  #retarget(): void {
    const now = this.deps.clock.now();
    for (const open of this.channels.values()) {
      const next = open.vardiff.update(open.channel.target, now);
      if (next !== undefined && next !== open.channel.target) this.#setTarget(open, next);
    }
  }

  async #submit(s: Submit, extended: boolean): Promise<void> {
    const received = this.deps.clock.now();
    const open = this.channels.get(s.channelId);
    if (!open || open.channel.extended !== extended)
      return this.#reject(
        open?.channel,
        s.channelId,
        s.sequenceNumber,
        "invalid_channel_id",
        open
          ? `channel ${s.channelId} is ${extended ? "standard: submit SubmitSharesStandard" : "extended: submit SubmitSharesExtended"}`
          : `channel ${s.channelId} is not open on this connection`,
        received,
      );
    const { channel } = open;
    if (!open.rate.take())
      return this.#reject(
        channel,
        s.channelId,
        s.sequenceNumber,
        "share_rate_limited",
        "share rate above max_shares_per_second_per_channel",
        received,
      );
    const job = channel.job(s.jobId);
    const template = job ? this.deps.book.get(job.templateId) : undefined;
    if (job && !template)
      return this.#reject(
        channel,
        s.channelId,
        s.sequenceNumber,
        "template_cache_miss",
        `template ${job.templateId} left the cache`,
        received,
      );
    const verdict = validateShare(channel, s, {
      versionMask: this.deps.config.version_rolling_mask,
      maxNtimeOffsetSeconds: this.deps.config.max_ntime_offset_seconds,
      nowSeconds: Math.floor(received / 1000),
    });
    if (!verdict.ok) return this.#reject(channel, s.channelId, s.sequenceNumber, verdict.reason, verdict.detail, received, s.jobId);
    const cached = template as CachedTemplate;
    let validationLevel = ValidationLevel.full;
    try {
      if (await this.deps.dedup.seenBefore(hashToDisplay(verdict.hash))) {
        return this.#reject(
          channel,
          s.channelId,
          s.sequenceNumber,
          "share_replay_detected",
          "this header was already submitted",
          received,
          s.jobId,
        );
      }
    } catch (err) {
      // Without Redis the replay check cannot run; the share says so instead of being refused.
      validationLevel = ValidationLevel.basic;
      this.deps.logger.warn({ err: (err as Error).message }, "share dedup unavailable; share accepted at validation_level basic");
    }
    const difficulty = targetToDifficulty(verdict.job.target);
    // The coinbase's whole extranonce: the channel's prefix, then (extended) the miner's part.
    const extranonce = extended ? concat([channel.extranoncePrefix, s.extranonce ?? new Uint8Array(0)]) : channel.extranoncePrefix;
    const parts = this.#parts(channel, cached);
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
      receivedAtMs: received,
      connectionId: this.connectionId,
      isBlock: verdict.isBlock,
      credited: verdict.isShare,
      coinbase: verdict.isBlock ? parts : undefined,
      extranoncePrefix: extranonce,
      mode: this.deps.mode(),
    };
    // Durability follows the configured mode: a degraded inline edge still stores before it answers.
    const durable = this.deps.config.mode === "inline" || verdict.isBlock;
    const stored = this.deps.shares.publish(accepted);
    if (durable) {
      const outcome = await stored.catch((err: unknown) => err as Error);
      if (outcome instanceof Error || outcome.outcome === "dropped") {
        const reason = outcome instanceof Error ? "share_forward_failed" : "share_dropped_queue_full";
        // Not stored, so not credited: the miner may submit it again without it counting as a replay.
        if (validationLevel === ValidationLevel.full) await this.deps.dedup.forget(hashToDisplay(verdict.hash)).catch(() => undefined);
        return this.#reject(
          channel,
          s.channelId,
          s.sequenceNumber,
          reason,
          outcome instanceof Error ? outcome.message : "forward queue full",
          received,
          s.jobId,
        );
      }
      if (!verdict.isShare) {
        this.#event(outcome.event);
        return this.#reject(channel, s.channelId, s.sequenceNumber, "share_difficulty_below_target", BLOCK_NOT_SHARE, received, s.jobId);
      }
      this.#accepted(open, s, outcome.event, difficulty, verdict.isBlock, received);
    } else {
      // Observe: the miner is answered now; the share is stored in the background.
      stored.then(
        (outcome) => this.#accepted(open, s, outcome.event, difficulty, verdict.isBlock, received, false),
        (err: unknown) => this.deps.logger.error({ err: (err as Error).message }, "accepted share could not be stored"),
      );
      this.#acknowledge(open, s, difficulty, verdict.isBlock);
      this.deps.onShare("accepted", "", (this.deps.clock.now() - received) / 1000);
    }
  }

  #accepted(
    open: OpenChannel,
    s: Submit,
    event: EventInit,
    difficulty: number,
    isBlock: boolean,
    received: number,
    acknowledge = true,
  ): void {
    this.#event(event);
    if (!acknowledge) return;
    this.#acknowledge(open, s, difficulty, isBlock);
    this.deps.onShare("accepted", "", (this.deps.clock.now() - received) / 1000);
  }

  #acknowledge(open: OpenChannel, s: Submit, difficulty: number, isBlock: boolean): void {
    const { channel } = open;
    open.vardiff.recordShare();
    channel.acceptedShares += 1;
    channel.sharesSum += difficulty;
    channel.batch.add(s.sequenceNumber, difficulty);
    if (channel.batch.count >= this.deps.config.share_batch_size || isBlock) {
      this.#send("SubmitSharesSuccess", { channelId: channel.channelId, ...channel.batch.acknowledge() });
    }
  }

  #reject(
    channel: MiningChannel | undefined,
    channelId: number,
    sequenceNumber: number,
    reason: SubmitRejection,
    detail: string,
    received: number,
    jobId = 0,
  ): void {
    if (channel) channel.rejectedShares += 1;
    this.#send("SubmitSharesError", { channelId, sequenceNumber, errorCode: SUBMIT_ERROR[reason] });
    this.#event({
      type: EdgeEventType.share_rejected,
      reasonCode: GatewayReason[reason],
      reasonDetail: detail,
      channelId,
      jobId,
      workerId: channel?.workerId ?? "",
      detail: {
        case: "share",
        value: {
          channelId,
          jobId,
          sequenceNumber,
          workerId: channel?.workerId ?? "",
          sv2Response: Sv2Response.error,
          reasonCode: GatewayReason[reason],
          reasonDetail: detail,
          timestampMs: BigInt(received),
          connectionId: this.connectionId,
          difficultyTarget: channel ? channel.difficulty : 0,
        },
      },
    });
    this.deps.onShare("rejected", reason, (this.deps.clock.now() - received) / 1000);
  }
}

export function modeValue(mode: EffectiveMode): GatewayMode {
  return GatewayMode[mode];
}
