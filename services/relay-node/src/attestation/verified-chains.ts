import { createHash, type KeyObject } from "node:crypto";

/** One certificate's validity window and the subject it is reported by. */
export interface CertificateWindow {
  subject: string;
  validFromMs: number;
  validToMs: number;
}

/** A certificate chain that verified to the trusted root: what a document signed under it still needs. */
export interface VerifiedChain {
  /** The leaf's public key, which signs the documents. */
  leafKey: KeyObject;
  /** Every certificate's window, root first: validity depends on the time and is checked on each use. */
  windows: readonly CertificateWindow[];
}

/**
 * The cache key of a chain: SHA-256 over each certificate's DER bytes with its length, the bundle in
 * order and then the leaf, so two different chains never share a key.
 */
export function chainKey(bundle: readonly Uint8Array[], leaf: Uint8Array): string {
  const hash = createHash("sha256");
  const length = Buffer.alloc(4);
  for (const der of [...bundle, leaf]) {
    length.writeUInt32BE(der.length, 0);
    hash.update(length).update(der);
  }
  return hash.digest("hex");
}

/** The subject of the first certificate whose window does not hold `nowMs`; undefined when all hold it. */
export function outsideValidity(windows: readonly CertificateWindow[], nowMs: number): string | undefined {
  return windows.find((w) => nowMs < w.validFromMs || nowMs > w.validToMs)?.subject;
}

/**
 * Chains already verified to this node's root, by `chainKey`. Verifying a chain costs one P-384
 * signature check per certificate (about 0.6 ms each here) and an X.509 parse each, while an
 * enclave signs every document with the same chain until its certificate is reissued: with the
 * chain cached a document costs one signature check, its own. What is cached depends only on the
 * certificates' bytes and the root, never on the time, which each use checks again. Only chains
 * that verified are added, so a peer cannot fill it with junk; the oldest entry goes first.
 */
export class VerifiedChains {
  readonly #chains = new Map<string, VerifiedChain>();

  constructor(private readonly maxChains: number) {}

  get(key: string): VerifiedChain | undefined {
    return this.#chains.get(key);
  }

  /** Adds a chain not kept yet (`get` answered undefined for its key). */
  add(key: string, chain: VerifiedChain): void {
    this.#chains.set(key, chain);
    if (this.#chains.size > this.maxChains) this.#chains.delete(this.#chains.keys().next().value as string);
  }
}
