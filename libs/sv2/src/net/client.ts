import { type Socket, connect as tcpConnect } from "node:net";
import { isSv2Error, Sv2Error } from "../errors.js";
import { Protocol } from "../messages/common.js";
import type { AnyMessage, MessageFields } from "../messages/registry.js";
import { decodeAuthorityPublicKey } from "../noise/authority-key.js";
import type { Sv2Connection, Sv2ConnectionOptions } from "./connection.js";
import { connectNoise, type HandshakeTimingOptions, plainConnection } from "./handshake-io.js";

export interface Sv2ClientOptions extends HandshakeTimingOptions, Sv2ConnectionOptions {
  host: string;
  port: number;
  /** base58check authority key (as published by the pool) or 32-byte x-only; undefined skips the certificate check. */
  authorityPublicKey: string | Uint8Array | undefined;
  /** No Noise handshake: unencrypted frames, for a server that explicitly allows plaintext. */
  plaintext?: boolean;
  connectTimeoutMs?: number;
  /** How long setupConnection/openStandardChannel wait for their reply. */
  requestTimeoutMs?: number;
  now?: () => number;
}

type SetupConnectionRequest = Partial<Omit<MessageFields<"SetupConnection">, "protocol">> & { protocol?: number };
type OpenStandardRequest = Omit<MessageFields<"OpenStandardMiningChannel">, "requestId">;
type OpenExtendedRequest = Omit<MessageFields<"OpenExtendedMiningChannel">, "requestId">;

function connectTcp(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Sv2Error("connection_closed", `connect to ${host}:${port} timed out`));
    }, timeoutMs);
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(new Sv2Error("connection_closed", `connect to ${host}:${port} failed: ${err.message}`));
    };
    socket.once("error", onError);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", onError);
      resolve(socket);
    });
  });
}

interface Pending {
  matches(m: AnyMessage): boolean;
  resolve(m: AnyMessage): void;
  reject(err: Sv2Error): void;
}

/**
 * An SV2 initiator (mining device / load generator side): connects, runs the Noise handshake (or not, with `plaintext`),
 * pairs request/response messages, and hands every other message to `messages()`.
 */
export class Sv2Client {
  private readonly pending = new Set<Pending>();
  private readonly unsolicited: AnyMessage[] = [];
  private waiting: (() => void) | undefined;
  /** undefined while running, null after a clean close, the error after a failure. */
  private ended: Sv2Error | null | undefined;
  private nextRequestId = 1;

  private constructor(
    readonly connection: Sv2Connection,
    private readonly requestTimeoutMs: number,
    private readonly maxUnsolicited: number,
  ) {
    void this.pumpMessages();
  }

  static async connect(options: Sv2ClientOptions): Promise<Sv2Client> {
    const authority =
      typeof options.authorityPublicKey === "string" ? decodeAuthorityPublicKey(options.authorityPublicKey) : options.authorityPublicKey;
    const socket = await connectTcp(options.host, options.port, options.connectTimeoutMs ?? 5000);
    const connection = options.plaintext
      ? plainConnection(socket, options)
      : await connectNoise(socket, { ...options, authorityPublicKey: authority });
    return new Sv2Client(connection, options.requestTimeoutMs ?? 10_000, options.maxQueuedMessages ?? 1024);
  }

  private async pumpMessages(): Promise<void> {
    try {
      for await (const m of this.connection.messages()) {
        const match = [...this.pending].find((p) => p.matches(m));
        if (match) {
          this.pending.delete(match);
          match.resolve(m);
          continue;
        }
        if (this.unsolicited.length >= this.maxUnsolicited) {
          throw new Sv2Error("receive_queue_full", `more than ${this.maxUnsolicited} unread messages; consume messages()`);
        }
        this.unsolicited.push(m);
        this.wake();
      }
      this.ended = null;
    } catch (err) {
      this.ended = isSv2Error(err) ? err : new Sv2Error("connection_closed", String(err));
      this.connection.abort(this.ended);
    }
    for (const p of this.pending) p.reject(this.ended ?? new Sv2Error("connection_closed", "connection closed"));
    this.pending.clear();
    this.wake();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  private request<T extends AnyMessage>(send: () => Promise<void>, matches: (m: AnyMessage) => boolean): Promise<T> {
    if (this.ended !== undefined) return Promise.reject(this.ended ?? new Sv2Error("connection_closed", "connection closed"));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(entry);
        reject(new Sv2Error("request_timeout", `no reply within ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      const entry: Pending = {
        matches,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.pending.add(entry);
      send().catch((err: unknown) => {
        this.pending.delete(entry);
        entry.reject(isSv2Error(err) ? err : new Sv2Error("connection_closed", String(err)));
      });
    });
  }

  /** Sends SetupConnection (mining protocol, version 2 by default); rejects with setup_rejected on SetupConnection.Error. */
  async setupConnection(request: SetupConnectionRequest = {}): Promise<MessageFields<"SetupConnectionSuccess">> {
    const reply = await this.request(
      () =>
        this.connection.send("SetupConnection", {
          protocol: request.protocol ?? Protocol.mining,
          minVersion: request.minVersion ?? 2,
          maxVersion: request.maxVersion ?? 2,
          flags: request.flags ?? 0,
          endpointHost: request.endpointHost ?? "",
          endpointPort: request.endpointPort ?? 0,
          vendor: request.vendor ?? "gatehouse",
          hardwareVersion: request.hardwareVersion ?? "",
          firmware: request.firmware ?? "",
          deviceId: request.deviceId ?? "",
        }),
      (m) => m.type === "SetupConnectionSuccess" || m.type === "SetupConnectionError",
    );
    if (reply.type === "SetupConnectionError")
      throw new Sv2Error("setup_rejected", `SetupConnection.Error ${reply.message.errorCode} (flags ${reply.message.flags})`);
    return reply.message as MessageFields<"SetupConnectionSuccess">;
  }

  /** Opens a standard channel; rejects with setup_rejected carrying the pool's error code on OpenMiningChannel.Error. */
  async openStandardChannel(request: OpenStandardRequest): Promise<MessageFields<"OpenStandardMiningChannelSuccess">> {
    const requestId = this.nextRequestId++ >>> 0;
    const reply = await this.request(
      () => this.connection.send("OpenStandardMiningChannel", { requestId, ...request }),
      (m) => (m.type === "OpenStandardMiningChannelSuccess" || m.type === "OpenMiningChannelError") && m.message.requestId === requestId,
    );
    if (reply.type === "OpenMiningChannelError") throw new Sv2Error("setup_rejected", `OpenMiningChannel.Error ${reply.message.errorCode}`);
    return reply.message as MessageFields<"OpenStandardMiningChannelSuccess">;
  }

  /** Opens an extended channel; rejects with setup_rejected carrying the pool's error code on OpenMiningChannel.Error. */
  async openExtendedChannel(request: OpenExtendedRequest): Promise<MessageFields<"OpenExtendedMiningChannelSuccess">> {
    const requestId = this.nextRequestId++ >>> 0;
    const reply = await this.request(
      () => this.connection.send("OpenExtendedMiningChannel", { requestId, ...request }),
      (m) => (m.type === "OpenExtendedMiningChannelSuccess" || m.type === "OpenMiningChannelError") && m.message.requestId === requestId,
    );
    if (reply.type === "OpenMiningChannelError") throw new Sv2Error("setup_rejected", `OpenMiningChannel.Error ${reply.message.errorCode}`);
    return reply.message as MessageFields<"OpenExtendedMiningChannelSuccess">;
  }

  submitShare(share: MessageFields<"SubmitSharesStandard">): Promise<void> {
    return this.connection.send("SubmitSharesStandard", share);
  }

  /** Every message not consumed as a reply (jobs, prev hashes, targets, share results), in order. */
  async *messages(): AsyncGenerator<AnyMessage, void, undefined> {
    for (;;) {
      const next = this.unsolicited.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.ended) throw this.ended;
      if (this.ended === null) return;
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
