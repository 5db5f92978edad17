/**
 * Evidence store failures with the code a workflow records. `retryable` tells the engine whether
 * another attempt can succeed (a gateway outage, a wallet that gets topped up) or whether the
 * workflow must fail (the network refuses this transaction).
 */
export class EvidenceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    // The code stays out of the message: the engine records both and prefixes one with the other.
    super(message);
    this.name = new.target.name;
  }
}

/** The gateway refused the transaction (a 4xx other than rate limiting or a balance problem). */
export class ArweaveRejectedError extends EvidenceError {
  constructor(message: string) {
    super("ARWEAVE_REJECTED", message, false);
  }
}

/** The gateway did not answer, timed out, rate-limited us or failed (5xx). */
export class ArweaveUnavailableError extends EvidenceError {
  constructor(message: string) {
    super("ARWEAVE_UNAVAILABLE", message, true);
  }
}

/** The wallet cannot pay the transaction's reward; retryable once the wallet is funded. */
export class ArweaveInsufficientBalanceError extends EvidenceError {
  constructor(
    readonly address: string,
    readonly requiredWinston: string,
    readonly balanceWinston: string | undefined,
  ) {
    const balance = balanceWinston === undefined ? "too little" : `${balanceWinston} winston`;
    super("ARWEAVE_INSUFFICIENT_BALANCE", `wallet ${address} has ${balance}, the upload needs ${requiredWinston} winston`, true);
  }
}

/** What a gateway served does not match what was signed (wrong bytes, bad signature). */
export class EvidenceIntegrityError extends EvidenceError {
  constructor(message: string) {
    super("EVIDENCE_INTEGRITY", message, true);
  }
}

/** Not an evidence URI this store can resolve. */
export class EvidenceUriError extends EvidenceError {
  constructor(message: string) {
    super("EVIDENCE_URI_INVALID", message, false);
  }
}

/** `evidence.arweave.wallet_file` cannot be read or is not an RSA private key (JWK); the message never quotes the key. */
export class ArweaveWalletError extends Error {
  override readonly name = "ArweaveWalletError";
}

/** `evidence.arweave.gateway_url` is not an http(s) origin without credentials (`url` is the offending value). */
export class GatewayUrlError extends Error {
  override readonly name = "GatewayUrlError";
  constructor(
    readonly url: string,
    message: string,
  ) {
    super(message);
  }
}
