import type { Socket } from "node:net";
import { Sv2Error } from "../errors.js";
import type { EllSwiftKeyPool } from "../noise/ephemeral-pool.js";
import { ACT1_SIZE, ACT2_SIZE, NoiseInitiator, NoiseResponder, type ResponderOptions } from "../noise/handshake.js";
import { ByteQueue } from "../transport/byte-queue.js";
import { noiseFraming, plainFraming, Sv2Connection, type Sv2ConnectionOptions } from "./connection.js";

/** SRI's default: a peer that has not completed the handshake by then is dropped. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface HandshakeTimingOptions {
  handshakeTimeoutMs?: number;
}

/**
 * Reads exactly `size` handshake bytes (handshake messages have no header or length prefix), or
 * rejects on close, error or deadline. The socket is left paused; surplus bytes are returned.
 */
function readHandshakeMessage(
  socket: Socket,
  size: number,
  deadline: number,
  what: string,
): Promise<{ message: Uint8Array; surplus: ByteQueue }> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) {
      reject(new Sv2Error("connection_closed", `socket closed before ${what}`));
      return;
    }
    const queue = new ByteQueue();
    const cleanup = () => {
      clearTimeout(timer);
      socket.pause();
      socket.off("data", onData);
      socket.off("close", onClose);
      socket.off("error", onError);
    };
    const fail = (err: Sv2Error) => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      queue.push(chunk);
      if (queue.length < size) return;
      cleanup();
      resolve({ message: queue.take(size).slice(), surplus: queue });
    };
    const onClose = () =>
      fail(new Sv2Error("connection_closed", `peer closed during the handshake (${what}, ${queue.length}/${size} bytes)`));
    const onError = (err: Error) => fail(new Sv2Error("connection_closed", `socket error during the handshake: ${err.message}`));
    const timer = setTimeout(
      () => fail(new Sv2Error("handshake_timeout", `${what} not received within the handshake deadline`)),
      Math.max(0, deadline - Date.now()),
    );
    socket.on("data", onData);
    socket.once("close", onClose);
    socket.once("error", onError);
    socket.resume();
  });
}

export interface AcceptNoiseOptions extends ResponderOptions, HandshakeTimingOptions, Sv2ConnectionOptions {
  /** Source of pre-generated ephemeral keys; without it each handshake generates its own. */
  ephemeralPool?: EllSwiftKeyPool;
}

/** Server side: run the responder on an accepted socket. Never throws anything but Sv2Error; destroys the socket on failure. */
export async function acceptNoise(socket: Socket, options: AcceptNoiseOptions): Promise<Sv2Connection> {
  const deadline = Date.now() + (options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
  const { message, surplus } = await readHandshakeMessage(socket, ACT1_SIZE, deadline, "act 1");
  try {
    const ephemeral = options.ephemeral ?? options.ephemeralPool?.take();
    const result = new NoiseResponder({ identity: options.identity, ephemeral }).respond(message);
    socket.write(result.reply);
    return new Sv2Connection(socket, noiseFraming(result, options), surplus, options);
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

export interface InitiatorConnectOptions extends HandshakeTimingOptions, Sv2ConnectionOptions {
  authorityPublicKey: Uint8Array | undefined;
  now?: () => number;
  leewaySeconds?: number;
}

/** Client side: run the initiator on a connected socket. Destroys the socket on failure. */
export async function connectNoise(socket: Socket, options: InitiatorConnectOptions): Promise<Sv2Connection> {
  const deadline = Date.now() + (options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
  const initiator = new NoiseInitiator(options);
  socket.write(initiator.start());
  const { message, surplus } = await readHandshakeMessage(socket, ACT2_SIZE, deadline, "act 2");
  try {
    const result = initiator.finish(message);
    return new Sv2Connection(socket, noiseFraming(result, options), surplus, options, result.responderStaticXOnly);
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

/**
 * Either side, no Noise: frames go over the socket unencrypted and unauthenticated. Only for
 * deployments that explicitly allow plaintext (GH_ALLOW_PLAINTEXT); never the default.
 */
export function plainConnection(socket: Socket, options: Sv2ConnectionOptions = {}): Sv2Connection {
  return new Sv2Connection(socket, plainFraming(options), new ByteQueue(), options);
}
