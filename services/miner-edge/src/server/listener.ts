import { createServer, type Server, type Socket } from "node:net";
import { EdgeEventType, GatewayReason } from "@gatehouse/proto/mining/v1";
import type { Logger } from "@gatehouse/service";
import { parseHostPort } from "@gatehouse/service";
import { acceptNoise, EllSwiftKeyPool, isSv2Error, plainConnection, type ServerIdentity, type Sv2Connection } from "@gatehouse/sv2";
import type { EventLog } from "../ops/event-log.js";

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
  allowConnection(address: string): Promise<boolean>;
  /** Called with an established connection; resolves when the session ends. */
  onConnection(link: Sv2Connection, socket: Socket, id: bigint, peer: string): void;
  events: EventLog;
  logger: Logger;
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
    let allowed = true;
    try {
      allowed = await this.deps.allowConnection(socket.remoteAddress ?? "unknown");
    } catch (err) {
      // The shared counter is an abuse brake, not an admission gate: without Redis, admit.
      this.deps.logger.warn({ err: (err as Error).message }, "connection rate limit unavailable");
    }
    if (!allowed) {
      record(EdgeEventType.connection_rejected, GatewayReason.connection_rate_limited, "too many new connections from this address");
      socket.destroy();
      return;
    }
    if (socket.destroyed) return;
    record(EdgeEventType.connection_opened, GatewayReason.GATEWAY_REASON_UNSPECIFIED, "");
    const identity = this.options.identity;
    if (!identity) {
      this.#established(
        socket,
        plainConnection(socket, { maxPayloadBytes: this.options.maxFrameBytes, maxWriteBufferBytes: this.options.maxWriteBufferBytes }),
        id,
        peer,
      );
      return;
    }
    let link: Sv2Connection;
    try {
      link = await acceptNoise(socket, {
        identity,
        ephemeralPool: this.#ephemerals,
        handshakeTimeoutMs: this.options.handshakeTimeoutMs,
        maxPayloadBytes: this.options.maxFrameBytes,
        maxWriteBufferBytes: this.options.maxWriteBufferBytes,
      });
    } catch (err) {
      const timeout = isSv2Error(err, "handshake_timeout");
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
    this.deps.onConnection(link, socket, id, peer);
  }
}
