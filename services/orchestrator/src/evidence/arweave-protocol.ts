// The pure parts of the Arweave adapter: URIs, tags, gateway URLs and how gateway answers map to
// evidence statuses and errors. No I/O here.
import {
  ArweaveInsufficientBalanceError,
  ArweaveRejectedError,
  ArweaveUnavailableError,
  type EvidenceError,
  EvidenceUriError,
  GatewayUrlError,
} from "./errors.js";
import type { EvidenceStatus, EvidenceTags } from "./store.js";

/** An Arweave transaction id: the base64url SHA-256 of the signature, 43 characters. */
export const TX_ID = /^[A-Za-z0-9_-]{43}$/;

const SCHEME = "ar://";

/** Arweave refuses transactions whose tag names and values exceed 2,048 bytes together. */
export const MAX_TAG_BYTES = 2_048;

/** The URI ChaosChain records for archived evidence (and passes on chain as `feedbackAuth`). */
export function arweaveUri(id: string): string {
  if (!TX_ID.test(id)) throw new EvidenceUriError(`"${id}" is not an Arweave transaction id`);
  return `${SCHEME}${id}`;
}

/** The transaction id of an `ar://<id>` URI. */
export function parseArweaveUri(uri: string): string {
  if (!uri.startsWith(SCHEME)) throw new EvidenceUriError(`"${uri.slice(0, 80)}" is not an ar:// URI`);
  const id = uri.slice(SCHEME.length);
  if (!TX_ID.test(id)) throw new EvidenceUriError(`"${uri.slice(0, 80)}" does not name a 43-character transaction id`);
  return id;
}

/**
 * The tags in the order given (ChaosChain's order: Content-Type, the ChaosChain-* tags, App-Name,
 * App-Version), checked against Arweave's limits so the network never rejects them.
 */
export function transactionTags(tags: EvidenceTags): [name: string, value: string][] {
  const entries = Object.entries(tags);
  let bytes = 0;
  for (const [name, value] of entries) {
    if (name === "") throw new ArweaveRejectedError("a tag name is empty");
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  if (bytes > MAX_TAG_BYTES) throw new ArweaveRejectedError(`tags take ${bytes} bytes, Arweave allows ${MAX_TAG_BYTES}`);
  return entries;
}

export interface GatewayEndpoint {
  protocol: "http" | "https";
  host: string;
  port: number;
  /** `protocol://host:port`, without credentials or a path. */
  origin: string;
}

/** Host, port and protocol of a gateway URL (an origin: no path, query or credentials). */
export function gatewayEndpoint(url: string): GatewayEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GatewayUrlError(url, `"${url}" is not a URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new GatewayUrlError(url, `"${url}" must be http or https`);
  if (parsed.username || parsed.password) throw new GatewayUrlError(url, "the gateway URL must not carry credentials");
  if ((parsed.pathname !== "/" && parsed.pathname !== "") || parsed.search || parsed.hash) {
    throw new GatewayUrlError(url, `"${url}" must be an origin (no path, query or fragment)`);
  }
  const protocol = parsed.protocol === "https:" ? "https" : "http";
  const port = parsed.port ? Number(parsed.port) : protocol === "https" ? 443 : 80;
  return { protocol, host: parsed.hostname.replace(/^\[|\]$/g, ""), port, origin: `${protocol}://${parsed.host}` };
}

/** A short, single-line excerpt of a gateway's answer for error messages. */
export function excerpt(body: string): string {
  const line = body.replace(/\s+/g, " ").trim();
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}

const BALANCE_PROBLEM = /overspend|enough tokens|insufficient|balance/i;

/**
 * The error for a gateway's answer to `POST /tx` or `POST /chunk`, or undefined when it took the
 * upload (any 2xx, including 208 "already processed").
 */
export function uploadFailure(
  status: number,
  body: string,
  context: { what: string; address: string; rewardWinston: string },
): EvidenceError | undefined {
  if (status >= 200 && status < 300) return undefined;
  const answer = `${context.what}: HTTP ${status} ${excerpt(body)}`.trim();
  if (status === 429 || status >= 500) return new ArweaveUnavailableError(answer);
  if (status === 410 || (status >= 400 && BALANCE_PROBLEM.test(body))) {
    return new ArweaveInsufficientBalanceError(context.address, context.rewardWinston, undefined);
  }
  if (status >= 400) return new ArweaveRejectedError(answer);
  return new ArweaveUnavailableError(answer);
}

/**
 * An evidence status from `GET /tx/<id>/status`: confirmed once the transaction is in a block
 * with at least `minConfirmations` confirmations. A pending transaction is 202 on Arweave nodes
 * and a 200 "Pending" text on arlocal; 404 means the gateway does not know it (yet).
 */
export function confirmationStatus(status: number, body: unknown, minConfirmations: number): EvidenceStatus {
  if (status === 404) return "not_found";
  if (status === 202) return "pending";
  if (status === 200) {
    const confirmations = (body as { number_of_confirmations?: unknown } | null)?.number_of_confirmations;
    if (typeof body !== "object" || body === null || typeof confirmations !== "number") return "pending";
    return confirmations >= minConfirmations ? "confirmed" : "pending";
  }
  throw new ArweaveUnavailableError(`status query: HTTP ${status}`);
}
