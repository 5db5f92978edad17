/** An authority key that is neither a base58check authority public key nor a file holding one. */
export class AuthorityKeyError extends Error {
  override readonly name = "AuthorityKeyError";
}

/** Why a miner's session ended: it was stopped, or the edge closed the connection or the channel. */
export type SessionEndReason = "stopped" | "connection_closed" | "channel_closed";

/** A miner's session ended; the miner reports it and, unless stopped, reconnects. */
export class SessionEndedError extends Error {
  override readonly name = "SessionEndedError";
  constructor(
    readonly reason: SessionEndReason,
    message: string,
  ) {
    super(message);
  }
}

/** The edge sent what this miner cannot work with (an extended job on a standard channel, a version mask that fixes no bit). */
export class EdgeProtocolError extends Error {
  override readonly name = "EdgeProtocolError";
}
