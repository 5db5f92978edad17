import { timingSafeEqual, verify as verifySignature, X509Certificate } from "node:crypto";
import { decode, encode } from "cborg";
import { type CertificateWindow, chainKey, outsideValidity, type VerifiedChain, VerifiedChains } from "./verified-chains.js";
import { AttestationError, type AttestationVerifier } from "./verifier.js";

export interface TrustedPcrs {
  pcr0: string;
  pcr1: string;
  pcr2: string;
}

export interface NitroOptions {
  rootPem: string;
  trustedPcrs: readonly TrustedPcrs[];
  /** Unix ms, injected so certificate validity is testable. */
  now?: () => number;
  /** Verified certificate chains kept (by default 1,024): a few per enclave instance. */
  maxCachedChains?: number;
  /** Told whether each document's chain was verified or found verified already (the metrics). */
  onChain?: (outcome: ChainOutcome) => void;
}

/** How a document's certificate chain was checked: `verified` in full, or `cached` from an earlier document. */
export type ChainOutcome = "verified" | "cached";

/** COSE algorithm id of ECDSA P-384 with SHA-384, the only one Nitro documents use. */
const ES384 = -35;
const COSE_SIGN1_TAG = 18;
const MAX_DOCUMENT_BYTES = 64 * 1024;

interface AttestationDocument {
  module_id: string;
  digest: string;
  timestamp: number;
  pcrs: Map<number, Uint8Array>;
  certificate: Uint8Array;
  cabundle: Uint8Array[];
  user_data: Uint8Array | null;
}

function fail(message: string): never {
  throw new AttestationError(`invalid nitro attestation: ${message}`);
}

function bytesField(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) fail(`${name} must be a byte string`);
  return value;
}

/** Decodes COSE_Sign1 `[protected, unprotected, payload, signature]` (tag 18 optional). */
function decodeCoseSign1(bytes: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  let value: unknown;
  try {
    value = decode(bytes, { tags: Object.assign([], { [COSE_SIGN1_TAG]: (inner: unknown) => inner }), useMaps: true });
  } catch (err) {
    fail(`not CBOR: ${(err as Error).message}`);
  }
  if (!Array.isArray(value) || value.length !== 4) fail("not a COSE_Sign1 structure");
  return [bytesField(value[0], "protected header"), bytesField(value[2], "payload"), bytesField(value[3], "signature")];
}

function parseDocument(payload: Uint8Array): AttestationDocument {
  let doc: unknown;
  try {
    doc = decode(payload, { useMaps: true });
  } catch (err) {
    fail(`payload is not CBOR: ${(err as Error).message}`);
  }
  if (!(doc instanceof Map)) fail("payload is not a map");
  const pcrs = doc.get("pcrs");
  if (!(pcrs instanceof Map)) fail("pcrs must be a map");
  const cabundle = doc.get("cabundle");
  if (!Array.isArray(cabundle) || cabundle.length === 0) fail("cabundle must be a non-empty array");
  const userData = doc.get("user_data");
  return {
    module_id: String(doc.get("module_id") ?? ""),
    digest: String(doc.get("digest") ?? ""),
    timestamp: Number(doc.get("timestamp") ?? 0),
    pcrs: pcrs as Map<number, Uint8Array>,
    certificate: bytesField(doc.get("certificate"), "certificate"),
    cabundle: cabundle.map((c, i) => bytesField(c, `cabundle[${i}]`)),
    user_data: userData === null || userData === undefined ? null : bytesField(userData, "user_data"),
  };
}

function certificate(der: Uint8Array, name: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    fail(`${name} is not an X.509 certificate`);
  }
}

/**
 * AWS Nitro attestation documents (as chainlink-common `pkg/teeattestation/nitro` validates them): a COSE_Sign1 (ES384) over a CBOR document whose
 * leaf certificate chains through `cabundle` to the configured root, valid now; `user_data` must be
 * the expected domain hash, and PCR0-2 must equal one trusted set. The nonce is not checked (as the
 * original): the attestation binds the params, not a moment.
 */
export class NitroAttestationVerifier implements AttestationVerifier {
  readonly mode = "nitro";
  readonly #root: X509Certificate;
  readonly #now: () => number;
  readonly #verified: VerifiedChains;

  constructor(private readonly options: NitroOptions) {
    this.#root = new X509Certificate(options.rootPem);
    this.#now = options.now ?? Date.now;
    this.#verified = new VerifiedChains(options.maxCachedChains ?? 1_024);
  }

  verify(attestation: string, expectedUserData: Uint8Array): void {
    if (!attestation) throw new AttestationError("missing attestation");
    const bytes = Buffer.from(attestation, "base64");
    if (bytes.length > MAX_DOCUMENT_BYTES) fail("document too large");
    const [protectedHeader, payload, signature] = decodeCoseSign1(bytes);
    const header = decode(protectedHeader, { useMaps: true }) as unknown;
    if (!(header instanceof Map) || header.get(1) !== ES384) fail("protected header must name ES384");
    const doc = parseDocument(payload);
    if (doc.digest !== "SHA384") fail(`unsupported digest ${doc.digest}`);

    const chain = this.#chain(doc.certificate, doc.cabundle);
    // Sig_structure of RFC 9052 §4.4: ["Signature1", protected, external_aad, payload].
    const toBeSigned = encode(["Signature1", protectedHeader, new Uint8Array(0), payload]);
    const ok = verifySignature("sha384", toBeSigned, { key: chain.leafKey, dsaEncoding: "ieee-p1363" }, signature);
    if (!ok) fail("COSE signature does not verify");

    if (!doc.user_data || doc.user_data.length !== expectedUserData.length || !timingSafeEqual(doc.user_data, expectedUserData)) {
      fail("user_data does not match the request params");
    }
    this.#checkPcrs(doc.pcrs);
  }

  /** The document's chain, verified to the root now or found verified before; valid now either way. */
  #chain(leafDer: Uint8Array, bundle: Uint8Array[]): VerifiedChain {
    const key = chainKey(bundle, leafDer);
    const cached = this.#verified.get(key);
    const chain = cached ?? this.#verifyChain(certificate(leafDer, "certificate"), bundle);
    this.options.onChain?.(cached ? "cached" : "verified");
    const invalid = outsideValidity(chain.windows, this.#now());
    if (invalid !== undefined) fail(`certificate ${invalid} is not valid now`);
    if (!cached) this.#verified.add(key, chain);
    return chain;
  }

  /** Each certificate signed by the one before it, from the trusted root to the leaf. */
  #verifyChain(leaf: X509Certificate, bundle: Uint8Array[]): VerifiedChain {
    // cabundle is ordered root first, then intermediates towards the leaf.
    const chain = [...bundle.map((der, i) => certificate(der, `cabundle[${i}]`)), leaf];
    const [first] = chain;
    if (!first || first.fingerprint256 !== this.#root.fingerprint256) fail("certificate chain does not start at the trusted root");
    const windows: CertificateWindow[] = [];
    for (let i = 0; i < chain.length; i++) {
      const cert = chain[i] as X509Certificate;
      const issuer = i === 0 ? this.#root : (chain[i - 1] as X509Certificate);
      if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) fail("certificate chain signature does not verify");
      windows.push({
        subject: cert.subject.replace(/\n/g, ","),
        validFromMs: Date.parse(cert.validFrom),
        validToMs: Date.parse(cert.validTo),
      });
    }
    return { leafKey: leaf.publicKey, windows };
  }

  #checkPcrs(pcrs: Map<number, Uint8Array>): void {
    const hex = (i: number) => {
      const value = pcrs.get(i);
      return value instanceof Uint8Array ? Buffer.from(value).toString("hex") : undefined;
    };
    if (pcrs.size < 3) fail("document has fewer than 3 PCRs");
    const actual = [hex(0), hex(1), hex(2)];
    const matched = this.options.trustedPcrs.some((set) => [set.pcr0, set.pcr1, set.pcr2].every((v, i) => v.toLowerCase() === actual[i]));
    if (!matched) fail("no trusted PCR set matched");
  }
}
