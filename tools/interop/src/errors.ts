/** A peer process (Bitcoin Core, sv2-tp, a Gatehouse service) exited, or did not show it was up in time, while the suite waited for it; the message holds its last lines. */
export class PeerStartError extends Error {
  override readonly name = "PeerStartError";
}

/** Core's JSON-RPC answered with something that is not JSON, or without an answer to a call. */
export class CoreTransportError extends Error {
  override readonly name = "CoreTransportError";
}

/** The suite's regtest coins cannot be had: dust outputs, a signature Core did not complete, fan-outs that do not confirm, coins run out. */
export class CoinsError extends Error {
  override readonly name = "CoinsError";
}
