/**
 * Every failure this library reports is an Sv2Error with a reason code, so callers can map it to
 * a metric label or a close reason without parsing messages.
 */
export type Sv2ErrorReason =
  | "frame_decode_error"
  | "frame_too_large"
  | "unknown_message_type"
  | "unknown_extension"
  | "handshake_failed"
  | "handshake_timeout"
  | "certificate_invalid"
  | "certificate_not_yet_valid"
  | "certificate_expired"
  | "certificate_unsupported_version"
  | "decrypt_failed"
  | "nonce_exhausted"
  | "invalid_key"
  | "invalid_argument"
  | "send_buffer_full"
  | "receive_queue_full"
  | "write_stalled"
  | "setup_rejected"
  | "request_timeout"
  | "connection_closed";

export class Sv2Error extends Error {
  override readonly name = "Sv2Error";
  constructor(
    readonly reason: Sv2ErrorReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

export function isSv2Error(err: unknown, reason?: Sv2ErrorReason): err is Sv2Error {
  return err instanceof Sv2Error && (reason === undefined || err.reason === reason);
}
