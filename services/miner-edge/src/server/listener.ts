import { createServer, type Server, type Socket } from "node:net";
import { EdgeEventType, GatewayReason } from "@gatehouse/proto/mining/v1";
import { type Clock, type Logger, parseHostPort } from "@gatehouse/service";
import {
  acceptNoise,
  EllSwiftKeyPool,
  isSv2Error,
  type MessageName,
  plainConnection,
  type ServerIdentity,
  type Sv2Connection,
} from "@gatehouse/sv2";
import type { EventLog } from "../ops/event-log.js";
import type { Admission } from "./admission.js";

export interface ListenerOptions {
  addr: string;
  /** undefined: plaintext (no handshake), only when the operator explicitly allowed it. */
  identity: ServerIdentity | undefined;
  handshakeTimeoutMs: number;
  maxFrameBytes: number;
  /** Outbound bytes buffered for one miner before it is dropped as too slow. */
  maxWriteBufferBytes: number;
  maxConnections: number;
  idleTimeoutMs: number;
}

export interface ListenerDeps {
  /** The rate and per-address checks; an admitted connection's place is released when its socket closes. */
  admit(address: string): Promise<Admission>;
  /** Called with an established connection at `establishedAt` (handshake end). */
  onConnection(link: Sv2Connection, socket: Socket, id: bigint, peer: string, establishedAt: number): void;
  /** A connection refused before any SV2 byte: which limit refused it. */
  onRefused(limit: "rate" | "per_ip" | "total"): void;
  onHandshakeTimeout(): void;
  /** A miner's frame whose channel bit differs from the spec's table (accepted; sv2-tp frames this way). */
  onChannelBitDiffers(message: MessageName): void;
  events: EventLog;
  logger: Logger;
  clock: Clock;
}

/**
 * The miners' TCP port. Accepting does no work beyond counting: the rate check and the Noise
 * handshake run per connection under their own deadline, so a silent client never blocks others.
 */
export class MinerListener {
  #server: Server | undefined;
  #nextId = 1n;
  #open = 0;
  readonly #handshaking = new Set<Socket>();
  /** Responder ephemeral keys made in idle ticks, keeping EllSwift encoding off the handshake path. */
  readonly #ephemerals: EllSwiftKeyPool | undefined;

  constructor(
    private readonly options: ListenerOptions,
    private readonly deps: ListenerDeps,
  ) {
    this.#ephemerals = options.identity ? new EllSwiftKeyPool(256, 2) : undefined;
  }

  get connections(): number {
    return this.#open;
  }

  async start(): Promise<string> {
    const { host, port } = parseHostPort(this.options.addr);
    const server = createServer({ pauseOnConnect: true }, (socket) => this.#accept(socket));
    server.maxConnections = this.options.maxConnections;
    server.on("drop", (data) => {
      this.deps.onRefused("total");
      this.deps.events.record({
        type: EdgeEventType.connection_rejected,
        reasonCode: GatewayReason.connection_rate_limited,
        reasonDetail: "max_connections reached",
        peerAddress: `${data?.remoteAddress ?? "?"}:${data?.remotePort ?? "?"}`,
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    this.#server = server;
    const address = server.address();
    return typeof address === "object" && address ? `${address.address}:${address.port}` : this.options.addr;
  }

  /** Stops accepting; established connections are left to the caller to close. */
  async stopAccepting(): Promise<void> {
    this.#ephemerals?.stop();
    for (const socket of this.#handshaking) socket.destroy();
    const server = this.#server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    const id = this.#nextId++;
    const peer = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    this.#open += 1;
    this.#handshaking.add(socket);
    socket.once("close", () => {
      this.#open -= 1;
      this.#handshaking.delete(socket);
    });
    socket.on("error", () => {});
    void this.#establish(socket, id, peer);
  }

  async #establish(socket: Socket, id: bigint, peer: string): Promise<void> {
    const record = (type: EdgeEventType, reasonCode: GatewayReason, reasonDetail: string) =>
      this.deps.events.record({ type, reasonCode, reasonDetail, connectionId: id, peerAddress: peer });
    const admission = await this.deps.admit(socket.remoteAddress ?? "unknown");
    if (!admission.admitted) {
      this.deps.onRefused(admission.reason === GatewayReason.connection_rate_limited ? "rate" : "per_ip");
      record(EdgeEventType.connection_rejected, admission.reason, admission.detail);
      socket.destroy();
      return;
    }
    socket.once("close", admission.release);
    if (socket.destroyed) return admission.release();
    record(EdgeEventType.connection_opened, GatewayReason.GATEWAY_REASON_UNSPECIFIED, "");
    const connectionOptions = {
      maxPayloadBytes: this.options.maxFrameBytes,
      maxWriteBufferBytes: this.options.maxWriteBufferBytes,
      onChannelBitDiffers: this.deps.onChannelBitDiffers,
    };
    const identity = this.options.identity;
    if (!identity) {
      this.#established(socket, plainConnection(socket, connectionOptions), id, peer);
      return;
    }
    let link: Sv2Connection;
    try {
      link = await acceptNoise(socket, {
        identity,
        ephemeralPool: this.#ephemerals,
        handshakeTimeoutMs: this.options.handshakeTimeoutMs,
        ...connectionOptions,
      });
    } catch (err) {
      const timeout = isSv2Error(err, "handshake_timeout");
      if (timeout) this.deps.onHandshakeTimeout();
      record(
        EdgeEventType.handshake_failed,
        timeout ? GatewayReason.noise_handshake_timeout : GatewayReason.noise_handshake_failed,
        isSv2Error(err) ? err.message : "handshake failed",
      );
      socket.destroy();
      return;
    }
    record(EdgeEventType.handshake_completed, GatewayReason.GATEWAY_REASON_UNSPECIFIED, "");
    this.#established(socket, link, id, peer);
  }

  #established(socket: Socket, link: Sv2Connection, id: bigint, peer: string): void {
    this.#handshaking.delete(socket);
    socket.setTimeout(this.options.idleTimeoutMs);
    this.deps.onConnection(link, socket, id, peer, this.deps.clock.now());
  }
}
