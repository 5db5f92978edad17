import { Sv2Error } from "../errors.js";
import { decodeAuthorityPublicKey, decodeSecretKey, encodeAuthorityPublicKey, encodeSecretKey } from "./authority-key.js";
import {
  CERTIFICATE_VERSION,
  type Certificate,
  DEFAULT_CERTIFICATE_LEEWAY_SECONDS,
  signCertificate,
  verifyCertificate,
} from "./certificate.js";
import { ellswiftCreate, randomSecretKey, xOnlyPublicKey } from "./ellswift.js";
import type { ServerIdentity } from "./handshake.js";

/**
 * The Template Provider model: a long-lived static key whose certificate the authority signs once,
 * offline, so the authority secret never sits on the server. `valid_from` is backdated because
 * strict clients (TP, Bitaxe) allow no clock skew.
 */
export function issueServerIdentity(args: {
  authoritySecretKey: Uint8Array;
  nowSeconds: number;
  validitySeconds: number;
  backdateSeconds?: number;
  staticSecretKey?: Uint8Array;
}): ServerIdentity {
  if (!Number.isInteger(args.validitySeconds) || args.validitySeconds <= 0)
    throw new Sv2Error("invalid_argument", "validity must be a positive number of seconds");
  const staticKey = ellswiftCreate(args.staticSecretKey ?? randomSecretKey());
  const validFrom = Math.max(0, args.nowSeconds - (args.backdateSeconds ?? 3600));
  const certificate = signCertificate({
    authoritySecretKey: args.authoritySecretKey,
    staticXOnly: staticKey.xOnly,
    validFrom,
    notValidAfter: Math.min(0xffffffff, args.nowSeconds + args.validitySeconds),
  });
  return { staticKey, certificate };
}

/** On-disk form written by `gatehouse keys server`; secrets in SRI's base58check form. */
export interface ServerIdentityFile {
  authorityPublicKey: string;
  staticSecretKey: string;
  staticPublicKey: string;
  certificate: { version: number; validFrom: number; notValidAfter: number; signature: string };
}

export interface AuthorityKeyFile {
  publicKey: string;
  secretKey: string;
}

export function newAuthorityKeyFile(secretKey: Uint8Array = randomSecretKey()): AuthorityKeyFile {
  return { publicKey: encodeAuthorityPublicKey(xOnlyPublicKey(secretKey)), secretKey: encodeSecretKey(secretKey) };
}

export function parseAuthorityKeyFile(json: string): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const raw = parseJson(json, "authority key file") as Partial<AuthorityKeyFile>;
  if (typeof raw.secretKey !== "string" || typeof raw.publicKey !== "string")
    throw new Sv2Error("invalid_key", "authority key file needs publicKey and secretKey");
  const secretKey = decodeSecretKey(raw.secretKey);
  const publicKey = decodeAuthorityPublicKey(raw.publicKey);
  if (Buffer.compare(xOnlyPublicKey(secretKey), publicKey) !== 0)
    throw new Sv2Error("invalid_key", "authority publicKey does not match secretKey");
  return { publicKey, secretKey };
}

export function serverIdentityToFile(identity: ServerIdentity, authorityPublicKey: Uint8Array): ServerIdentityFile {
  const c = identity.certificate;
  return {
    authorityPublicKey: encodeAuthorityPublicKey(authorityPublicKey),
    staticSecretKey: encodeSecretKey(identity.staticKey.secretKey),
    staticPublicKey: Buffer.from(identity.staticKey.xOnly).toString("hex"),
    certificate: {
      version: c.version,
      validFrom: c.validFrom,
      notValidAfter: c.notValidAfter,
      signature: Buffer.from(c.signature).toString("hex"),
    },
  };
}

/**
 * Loads and checks a server identity: the certificate must verify against the file's authority key
 * (and `expectedAuthority` if given) for the static key it names, now.
 */
export function parseServerIdentityFile(
  json: string,
  nowSeconds: number,
  expectedAuthority?: Uint8Array,
): { identity: ServerIdentity; authorityPublicKey: Uint8Array } {
  const raw = parseJson(json, "server identity file") as Partial<ServerIdentityFile>;
  const c = raw.certificate;
  if (typeof raw.authorityPublicKey !== "string" || typeof raw.staticSecretKey !== "string" || !c || typeof c.signature !== "string") {
    throw new Sv2Error("invalid_key", "server identity file needs authorityPublicKey, staticSecretKey and certificate");
  }
  const authorityPublicKey = decodeAuthorityPublicKey(raw.authorityPublicKey);
  if (expectedAuthority && Buffer.compare(expectedAuthority, authorityPublicKey) !== 0) {
    throw new Sv2Error("certificate_invalid", "server identity was issued by a different authority");
  }
  const staticKey = ellswiftCreate(decodeSecretKey(raw.staticSecretKey));
  const signature = Uint8Array.from(Buffer.from(c.signature, "hex"));
  const certificate: Certificate = {
    version: c.version ?? CERTIFICATE_VERSION,
    validFrom: Number(c.validFrom),
    notValidAfter: Number(c.notValidAfter),
    signature,
  };
  verifyCertificate(certificate, staticKey.xOnly, authorityPublicKey, nowSeconds, DEFAULT_CERTIFICATE_LEEWAY_SECONDS);
  return { identity: { staticKey, certificate }, authorityPublicKey };
}

function parseJson(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Sv2Error("invalid_key", `${what} is not a JSON object: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null) throw new Sv2Error("invalid_key", `${what} is not a JSON object: not an object`);
  return value;
}
