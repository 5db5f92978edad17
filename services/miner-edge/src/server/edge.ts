import type { Socket } from "node:net";
import { EdgeEventType, GatewayReason, VerdictReason } from "@gatehouse/proto/mining/v1";
import type { Sv2Connection } from "@gatehouse/sv2";
import { ConnectionDeadlines, type DeadlineKind, type DeadlineLimits } from "../admission/deadlines.js";
import type { CachedTemplate } from "../templates/book.js";
import { DeadlineWatch } from "./deadline-watch.js";
import type { ModeState } from "./mode-state.js";
import { MinerSession, modeValue, type SessionDeps } from "./session.js";

/** The reason code and wording of each missed deadline. */
const DEADLINE_MISSED: Record<DeadlineKind, { reason: GatewayReason; detail: string }> = {
  setup: { reason: GatewayReason.setup_connection_timeout, detail: "no SetupConnection within setup_timeout_ms" },
  channel: { reason: GatewayReason.channel_open_timeout, detail: "no channel opened within channel_open_timeout_ms" },
  frame: { reason: GatewayReason.frame_timeout, detail: "a frame begun was not completed within frame_timeout_ms" },
};

export interface EdgeDeps extends SessionDeps {
  modeState: ModeState;
  deadlines: DeadlineLimits;
  onDeadlineMissed(kind: DeadlineKind): void;
}

/** The live sessions and how templates reach them. */
export class Edge {
  readonly sessions = new Map<bigint, MinerSession>();

  /** The listener's max_connections bounds the sessions map. */
  constructor(private readonly deps: EdgeDeps) {}

  /** Serves an established connection; `establishedAt` (handshake end) starts its setup and channel deadlines. */
  attach(link: Sv2Connection, socket: Socket, id: bigint, peer: string, establishedAt: number): void {
    const deadlines = new ConnectionDeadlines(this.deps.deadlines, establishedAt);
    const session = new MinerSession(id, peer, link, this.deps, {
      setupDone: () => {
        deadlines.setupDone();
        watch.update();
      },
      channelOpened: () => {
        deadlines.channelOpened();
        watch.update();
      },
    });
    const watch = new DeadlineWatch(
      deadlines,
      ({ kind }) => {
        this.deps.onDeadlineMissed(kind);
        session.abort(DEADLINE_MISSED[kind].reason, DEADLINE_MISSED[kind].detail);
      },
      this.deps.clock,
    );
    this.sessions.set(id, session);
    // Registered after the connection's own reader, so its frame state already includes this chunk.
    socket.on("data", (chunk: Buffer) => {
      session.onBytes(chunk.length);
      deadlines.received(link.receivingFrame, link.framesReceived, this.deps.clock.now());
      watch.update();
    });
    socket.on("timeout", () => void session.shutdown(GatewayReason.GATEWAY_REASON_UNSPECIFIED, "idle timeout"));
    // Bytes that followed the handshake may already hold part of a frame.
    deadlines.received(link.receivingFrame, link.framesReceived, establishedAt);
    watch.update();
    void session.run().finally(() => {
      watch.stop();
      this.sessions.delete(id);
    });
  }

  serve(template: CachedTemplate, newTip: boolean): void {
    const p = template.proposal;
    if (this.deps.modeState.degraded) this.deps.modeState.unenforcedJobs += 1;
    let channels = 0;
    for (const session of this.sessions.values()) {
      session.sendJob(template, newTip);
      channels += session.channels.size;
    }
    this.deps.events.record({
      type: newTip ? EdgeEventType.prevhash_switched : EdgeEventType.job_distributed,
      mode: modeValue(this.deps.mode()),
      detail: {
        case: "job",
        value: {
          templateId: p.templateId,
          prevHash: p.prevHash,
          blockHeight: p.blockHeight,
          future: newTip,
          channels,
          verdict: template.verdict === "pending" ? VerdictReason.VERDICT_REASON_UNSPECIFIED : template.verdictReason,
        },
      },
    });
  }

  /** fail_closed after prevhash_switch_timeout: old-tip work stops earning and miners are told to go. */
  async closeAll(reason: GatewayReason, detail: string): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.shutdown(reason, detail)));
  }

  expireAllJobs(): void {
    for (const session of this.sessions.values()) session.expireJobs();
  }

  get channelCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.channels.size;
    return n;
  }
}
