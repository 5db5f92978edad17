// One simulated miner: a connection's whole life (connect, handshake, channel, mining, shares,
// reconnects). About 350 lines because that life is one state machine over one connection; its
// pure parts (bad shares, pending shares, events, pacing, work) live in their own modules.
import { hash } from "node:crypto";
import { hashToDisplay, targetToDifficulty, u256FromLE } from "@gatehouse/bitcoin";
import { type AnyMessage, isSv2Error, Sv2Client } from "@gatehouse/sv2";
import { type BadKind, type BadMix, chooseKind, mutateShare, needsWork, type ShareKind } from "./bad-shares.js";
import { SessionEndedError } from "./errors.js";
import type { Emit } from "./events.js";
import { goalFor, headerFor } from "./header.js";
import { Pacer } from "./pacer.js";
import type { HashScheduler } from "./scheduler.js";
import { type Pending, type Produced, Session, Wakeup } from "./session.js";
import type { Stats } from "./stats.js";
import { ChannelWork, type Work } from "./work.js";

/** BIP320: the version bits miners may roll, and those the edge checks by default. */
export const DEFAULT_VERSION_MASK = 0x1fffe000;

export interface MinerConfig {
  index: number;
  /** The channel's user_identity. */
  identity: string;
  host: string;
  port: number;
  /** 32-byte x-only authority key; undefined with plaintext. */
  authority: Uint8Array | undefined;
  plaintext: boolean;
  extended: boolean;
  minExtranonceSize: number;
  rate: number;
  bad: BadMix;
  window: number;
  reconnect: boolean;
  nominalHashRate: number;
  ackTimeoutMs: number;
  versionMask: number;
}

export interface MinerDeps {
  stats: Stats;
  scheduler: HashScheduler;
  /** Bounds how many connections handshake at once. */
  connectSlot<T>(fn: () => Promise<T>): Promise<T>;
  random(): number;
  emit: Emit;
}

const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/**
 * One simulated miner: connects (Noise, or plaintext), opens its channel, follows jobs, tips and
 * targets, hashes for real and submits at its pace, and reconnects with backoff when dropped.
 */
export class SimulatedMiner {
  readonly #wakeup = new Wakeup();
  readonly #pacer: Pacer;
  #session: Session | undefined;
  #stopping = false;
  #closed = false;
  accepted = 0;
  rejected = 0;
  submitted = 0;
  channelId: number | undefined;
  connected = false;

  constructor(
    readonly config: MinerConfig,
    private readonly deps: MinerDeps,
  ) {
    this.#pacer = new Pacer(config.rate, performance.now());
  }

  get target(): bigint | undefined {
    return this.#session?.work.target;
  }

  get pending(): number {
    return this.#session?.pending.size ?? 0;
  }

  /** The channel's current work state (for tests that want to look at jobs and tips). */
  get work(): ChannelWork | undefined {
    return this.#session?.work;
  }

  /** Runs until close(); never throws. */
  async run(): Promise<void> {
    let backoff = BACKOFF_START_MS;
    while (!this.#stopping) {
      let opened = false;
      try {
        const session = await this.deps.connectSlot(() => this.#open());
        opened = true;
        backoff = BACKOFF_START_MS;
        await this.#serve(session);
      } catch (err) {
        const message = isSv2Error(err) || err instanceof Error ? err.message : String(err);
        if (!this.#stopping) {
          this.deps.stats.connectionError(message);
          this.deps.emit("disconnected", { connection: this.config.index, identity: this.config.identity, error: message });
        }
      } finally {
        this.#endSession();
      }
      if (this.#stopping || !this.config.reconnect) break;
      if (opened) this.deps.stats.disconnects += 1;
      await this.#wakeup.wait(backoff * (0.5 + this.deps.random()));
      backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
    }
    this.#closed = true;
  }

  async #open(): Promise<Session> {
    const c = this.config;
    // Stopped while queued for a connect slot: do not connect at all.
    if (this.#stopping) throw new SessionEndedError("stopped", "stopped before connecting");
    const client = await Sv2Client.connect({
      host: c.host,
      port: c.port,
      authorityPublicKey: c.authority,
      plaintext: c.plaintext,
      requestTimeoutMs: 15_000,
      handshakeTimeoutMs: 15_000,
      // The miner answers what it reads at once; room for a burst of jobs and answers.
      maxQueuedMessages: Math.max(1024, c.window * 4),
    });
    try {
      await client.setupConnection({ flags: 0, vendor: "gatehouse-loadgen", deviceId: `loadgen-${c.index}` });
      const maxTarget = new Uint8Array(32).fill(0xff);
      let work: ChannelWork;
      if (c.extended) {
        const ok = await client.openExtendedChannel({
          userIdentity: c.identity,
          nominalHashRate: c.nominalHashRate,
          maxTarget,
          minExtranonceSize: c.minExtranonceSize,
        });
        work = new ChannelWork(ok.channelId, u256FromLE(ok.target), { prefix: ok.extranoncePrefix, size: ok.extranonceSize });
      } else {
        const ok = await client.openStandardChannel({ userIdentity: c.identity, nominalHashRate: c.nominalHashRate, maxTarget });
        work = new ChannelWork(ok.channelId, u256FromLE(ok.target));
      }
      if (this.#stopping) throw new SessionEndedError("stopped", "stopped while connecting");
      const session = new Session(client, work, this.deps.random);
      this.#session = session;
      this.channelId = work.channelId;
      this.connected = true;
      this.deps.stats.connectionsOpened += 1;
      this.deps.emit("connected", { connection: c.index, identity: c.identity, channelId: work.channelId });
      return session;
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    }
  }

  async #serve(session: Session): Promise<void> {
    const sweeper = setInterval(
      () => {
        this.deps.stats.unanswered += session.expire(performance.now() - this.config.ackTimeoutMs);
      },
      Math.min(1000, this.config.ackTimeoutMs),
    );
    sweeper.unref();
    try {
      const reading = this.#read(session).finally(() => {
        session.ended = true;
        session.cancelSearch?.();
        this.#wakeup.wake();
      });
      await Promise.all([reading, this.#mine(session)]);
      if (!this.#stopping) throw new SessionEndedError("connection_closed", "the edge closed the connection");
    } finally {
      clearInterval(sweeper);
    }
  }

  async #read(session: Session): Promise<void> {
    const { work } = session;
    const stats = this.deps.stats;
    const connection = this.config.index;
    for await (const m of session.client.messages()) {
      const changed = work.apply(m);
      if (changed) {
        session.cancelSearch?.();
        if (changed === "job") {
          stats.jobs += 1;
          this.deps.emit("job", { connection, jobId: work.activeJob?.jobId ?? 0 });
        } else if (changed === "prevhash") {
          stats.prevHashes += 1;
          const tip = work.tip;
          if (tip) {
            this.deps.emit("prevhash", { connection, prevHash: hashToDisplay(tip.prevHash), nbits: tip.nbits, minNtime: tip.minNtime });
          }
        } else {
          stats.setTargets += 1;
          this.deps.emit("target", { connection, target: work.target, difficulty: targetToDifficulty(work.target) });
        }
      } else this.#answer(session, m);
      this.#wakeup.wake();
    }
  }

  #answer(session: Session, m: AnyMessage): void {
    if (m.type === "SubmitSharesSuccess") {
      const acknowledged = session.takeAcknowledged(m.message);
      for (const [sequence, p] of acknowledged) this.#settle(session, sequence, p, undefined);
    } else if (m.type === "SubmitSharesError") {
      const p = session.pending.get(m.message.sequenceNumber);
      if (!p) return;
      session.pending.delete(m.message.sequenceNumber);
      this.#settle(session, m.message.sequenceNumber, p, m.message.errorCode);
    } else if (m.type === "CloseChannel" && m.message.channelId === session.work.channelId) {
      throw new SessionEndedError("channel_closed", `the edge closed the channel: ${m.message.reasonCode}`);
    }
  }

  #settle(session: Session, sequence: number, p: Pending, errorCode: string | undefined): void {
    const latencyMs = performance.now() - p.sentAt;
    const stats = this.deps.stats;
    // The edge moved to a new tip while the share was on its way: stale by timing, as on any pool.
    const raced = p.kind !== "stale" && errorCode === "stale-share" && p.generation !== session.work.tip?.generation;
    stats.answer(p.kind, errorCode, latencyMs, raced);
    if (errorCode === undefined) {
      this.accepted += 1;
      if (p.kind === "good") session.lastAccepted = { ...p.share, generation: p.generation };
      if (p.block) stats.blocksAccepted += 1;
    } else this.rejected += 1;
    this.deps.emit("share", {
      connection: this.config.index,
      identity: this.config.identity,
      sequence,
      kind: p.kind,
      accepted: errorCode === undefined,
      errorCode,
      latencyMs,
      block: p.block,
      shareId: p.shareId,
    });
  }

  async #mine(session: Session): Promise<void> {
    const c = this.config;
    while (!session.ended && !this.#stopping) {
      // Extended channels roll a fresh extranonce per work(): only ask once there is room to submit.
      const work = session.pending.size < c.window ? session.work.work() : undefined;
      if (!work) {
        await this.#wakeup.wait();
        continue;
      }
      let kind = chooseKind(c.bad, this.deps.random());
      if ((kind === "stale" && session.work.staleJobId === undefined) || (kind === "replay" && !this.#replayable(session, work))) {
        this.deps.stats.unavailable(kind);
        kind = "good";
      }
      const found = await this.#produce(session, work, kind);
      if (!found) continue;
      while (this.#pacer.delayMs(performance.now()) > 0 && !session.ended && !this.#stopping) {
        await this.#wakeup.wait(this.#pacer.delayMs(performance.now()));
      }
      if (session.ended || this.#stopping) return;
      // A share built on a tip that has since been replaced would be an unintended stale share.
      if (kind !== "stale" && session.work.tip?.generation !== work.tip.generation) continue;
      this.#submit(session, kind, found, work.tip.generation);
    }
  }

  #replayable(session: Session, work: Work): boolean {
    return session.lastAccepted?.generation === work.tip.generation;
  }

  /** Hashes for the share `kind` needs (or builds it without work); undefined if the work changed meanwhile. */
  async #produce(session: Session, work: Work, kind: ShareKind): Promise<Produced | undefined> {
    const base = { channelId: work.channelId, jobId: work.jobId, ntime: work.ntime, version: work.version, extranonce: work.extranonce };
    if (!needsWork(kind)) {
      const honest = { ...base, nonce: session.nonce++ >>> 0 };
      const mutated = mutateShare(kind as Exclude<BadKind, "below_target">, honest, {
        staleJobId: session.work.staleJobId,
        minNtime: work.tip.minNtime,
        versionMask: this.config.versionMask,
        lastAccepted: session.lastAccepted,
      });
      return mutated && { share: { extranonce: base.extranonce, ...mutated }, block: false };
    }
    const header = headerFor(work);
    const search = this.deps.scheduler.search(header, goalFor(work, kind === "good" ? "hit" : "miss"), session.nonce);
    session.cancelSearch = search.cancel;
    const result = await search.result;
    session.cancelSearch = undefined;
    if (!result) return undefined;
    session.nonce = (result.nonce + 1) >>> 0;
    const block = kind === "good" && u256FromLE(result.hash) <= work.tip.networkTarget;
    header.writeUInt32LE(result.nonce >>> 0, 76);
    return { share: { ...base, nonce: result.nonce }, block, hash: result.hash, shareId: hash("sha256", header, "hex") };
  }

  #submit(session: Session, kind: ShareKind, found: Produced, generation: number): void {
    const { share } = found;
    const sequence = ++session.sequence >>> 0;
    const now = performance.now();
    session.pending.set(sequence, { sentAt: now, kind, block: found.block, share, generation, shareId: found.shareId });
    this.#pacer.taken(now);
    this.submitted += 1;
    this.deps.stats.submit(kind);
    if (found.block && found.hash) {
      this.deps.stats.blocksFound += 1;
      const tip = session.work.tip;
      this.deps.emit("block", {
        connection: this.config.index,
        identity: this.config.identity,
        sequence,
        blockHash: hashToDisplay(found.hash),
        prevHash: tip ? hashToDisplay(tip.prevHash) : "",
      });
    }
    const fields = {
      channelId: share.channelId,
      sequenceNumber: sequence,
      jobId: share.jobId,
      nonce: share.nonce,
      ntime: share.ntime,
      version: share.version,
    };
    const sent = this.config.extended
      ? session.client.connection.send("SubmitSharesExtended", { ...fields, extranonce: share.extranonce })
      : session.client.submitShare(fields);
    // A failed send ends the connection; the read loop reports it.
    sent.catch(() => undefined);
  }

  #endSession(): void {
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    this.connected = false;
    session.ended = true;
    session.cancelSearch?.();
    this.deps.stats.unanswered += session.pending.size;
    session.pending.clear();
    void session.client.close().catch(() => undefined);
  }

  /** Stops submitting; outstanding shares keep their chance to be answered until close(). */
  quiesce(): void {
    this.#stopping = true;
    this.#session?.cancelSearch?.();
    this.#wakeup.wake();
  }

  /** Ends the connection (shares still unanswered count as unanswered). */
  close(): void {
    this.quiesce();
    const client = this.#session?.client;
    if (client) void client.close().catch(() => undefined);
  }

  get done(): boolean {
    return this.#closed;
  }
}
