import { u256FromLE } from "@gatehouse/bitcoin";
import { EdgeEventType, GatewayMode, GatewayReason } from "@gatehouse/proto/mining/v1";
import { TokenBucket } from "@gatehouse/service";
import { type AnyMessage, type MessageFields, type MessageName, Sv2Error } from "@gatehouse/sv2";
import type { EventInit, EventLog } from "../ops/event-log.js";
import type { Authorizer } from "../protocol/auth.js";
import { MiningChannel } from "../protocol/channel.js";
import { sendChannelJob } from "../protocol/channel-jobs.js";
import { type ChannelOpenRequest, decideChannelOpen } from "../protocol/channel-open.js";
import type { ExtranonceAllocator } from "../protocol/extranonce.js";
import { decideSetup, MINING_PROTOCOL_VERSION } from "../protocol/setup.js";
import { Vardiff } from "../protocol/vardiff.js";
import type { CachedTemplate, EffectiveMode } from "../templates/book.js";
import { sendFailureReason, transportReason } from "./close-reasons.js";
import { type OpenChannel, ShareIntake, type ShareIntakeDeps } from "./share-intake.js";

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

export interface SessionDeps extends ShareIntakeDeps {
  authorizer: Authorizer;
  allocator: ExtranonceAllocator;
  events: EventLog;
}

/** A protocol violation that ends the connection, with its reason code. */
export class SessionClosedError extends Error {
  override readonly name = "SessionClosedError";
  constructor(
    readonly reason: GatewayReason,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * One miner connection after the handshake: SetupConnection, channels and the jobs sent to them.
 * Messages are handled strictly in order; shares go to the connection's ShareIntake, which answers
 * each once it is validated and (inline) stored. Whether a channel opens is decideChannelOpen's.
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
  readonly #intake: ShareIntake;

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
    this.#intake = new ShareIntake(connectionId, this.channels, deps, {
      send: (name, message) => this.#send(name, message),
      event: (init, encodedShare) => this.#event(init, encodedShare),
      failed: (err) => {
        this.deps.logger.error({ err, connectionId: String(this.connectionId) }, "share handling failed");
        this.#fail(GatewayReason.edge_internal_error, "internal error");
      },
    });
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
          throw new SessionClosedError(
            GatewayReason.peer_quota_exceeded,
            `more than ${this.deps.config.rate_limit_messages_per_sec} messages/s`,
          );
        }
        if (message.type === "SubmitSharesStandard" && this.#setupDone) await this.#intake.enqueue(message.message, false);
        else if (message.type === "SubmitSharesExtended" && this.#setupDone) await this.#intake.enqueue(message.message, true);
        else this.#handle(message);
      }
      await this.#intake.drain();
      this.#closeEvent(GatewayReason.GATEWAY_REASON_UNSPECIFIED, "peer closed the connection");
    } catch (err) {
      if (err instanceof SessionClosedError) this.#fail(err.reason, err.message);
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

  #event(init: EventInit, encodedShare?: Uint8Array): void {
    this.deps.events.record(
      { connectionId: this.connectionId, peerAddress: this.peerAddress, mode: modeValue(this.deps.mode()), ...init },
      encodedShare,
    );
  }

  #send<N extends MessageName>(name: N, message: MessageFields<N>): void {
    this.link.send(name, message).catch((err: unknown) => {
      this.#fail(sendFailureReason(err), `send failed: ${(err as Error).message}`);
    });
  }

  /** Everything but shares after setup (the intake's): before SetupConnection, only SetupConnection. */
  #handle(m: AnyMessage): void {
    if (!this.#setupDone) {
      if (m.type !== "SetupConnection") throw new SessionClosedError(GatewayReason.frame_decode_error, `${m.type} before SetupConnection`);
      this.#setup(m.message);
      return;
    }
    switch (m.type) {
      case "OpenStandardMiningChannel":
      case "OpenExtendedMiningChannel":
        this.#openChannel(m.message);
        return;
      case "UpdateChannel":
        this.#update(m.message);
        return;
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
        throw new SessionClosedError(GatewayReason.frame_decode_error, `unexpected ${m.type} from a miner`);
    }
  }

  #setup(s: MessageFields<"SetupConnection">): void {
    const decision = decideSetup(s);
    if (!decision.ok) {
      const reason = GatewayReason.unsupported_protocol_version;
      this.#send("SetupConnectionError", { flags: decision.flags, errorCode: decision.errorCode });
      this.#event({ type: EdgeEventType.setup_connection_failed, reasonCode: reason, reasonDetail: decision.errorCode });
      throw new SessionClosedError(reason, `SetupConnection refused: ${decision.errorCode}`);
    }
    this.#setupDone = true;
    this.milestones?.setupDone();
    // Server flags: we neither fix the version (miners may roll the mask) nor require extended channels.
    this.#send("SetupConnectionSuccess", { usedVersion: MINING_PROTOCOL_VERSION, flags: 0 });
    this.#event({ type: EdgeEventType.setup_connection_succeeded, reasonDetail: `${s.vendor} ${s.firmware}`.trim().slice(0, 200) });
  }

  /** A standard channel, or an extended one (the request carries `minExtranonceSize`). */
  #openChannel(o: ChannelOpenRequest & { requestId: number }): void {
    const c = this.deps.config;
    const current = this.deps.book.current;
    const decision = decideChannelOpen(o, c, {
      auth: this.deps.authorizer.authorize(o.userIdentity),
      openChannels: this.channels.size,
      templateAgeMs: current && this.deps.clock.now() - current.receivedAt,
    });
    if (!decision.open) {
      this.#send("OpenMiningChannelError", { requestId: o.requestId, errorCode: decision.errorCode });
      this.#event({
        type: EdgeEventType.channel_rejected,
        reasonCode: GatewayReason[decision.reason],
        reasonDetail: decision.detail,
        workerId: decision.workerId,
      });
      return;
    }
    const now = this.deps.clock.now();
    const { target } = decision;
    const channel = new MiningChannel(
      this.#nextChannelId++,
      decision.workerId,
      decision.poolAccountId,
      this.deps.allocator.next(),
      target,
      now,
      decision.extranonceSize,
      c.share_batch_size,
    );
    const perSecond = c.max_shares_per_second_per_channel;
    this.channels.set(channel.channelId, {
      channel,
      vardiff: new Vardiff(c.shares_per_minute, target > 0n ? target : 1n, now),
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
    sendChannelJob(channel, template, newTip, (name, message) => this.#send(name, message));
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
}

export function modeValue(mode: EffectiveMode): GatewayMode {
  return GatewayMode[mode];
}
