// A stand-in Nitro enclave for relay tests and benchmarks: a throw-away P-384 PKI shaped like AWS
// Nitro's (a root, intermediates, the enclave's leaf), made with the openssl command line, and
// COSE_Sign1 attestation documents signed by the leaf as the Nitro Security Module signs them
// (RFC 9052 Sig_structure, ES384), so relay nodes run their production verifier.
import { execFileSync } from "node:child_process";
import { sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { attestationUserData, type JsonObject, type RelayMethod } from "@gatehouse/relay";
import { encode } from "cborg";

/** COSE algorithm id of ECDSA P-384 with SHA-384. */
const ES384 = -35;
const pcr = (byte: number) => Buffer.alloc(48, byte);
/** PCR0-2 of every document unless a test says otherwise; PCR3 is there and not checked. */
const PCRS = new Map([
  [0, pcr(1)],
  [1, pcr(2)],
  [2, pcr(3)],
  [3, pcr(0)],
]);

/** What a test changes in a document to see it refused. */
export interface DocumentOverrides {
  pcrs?: Map<number, Buffer>;
  /** The chain the document carries, root first (by default the enclave's own). */
  cabundle?: Buffer[];
  /** The COSE algorithm named in the protected header (ES384 by default). */
  alg?: number;
  /** Flips one bit of the signature. */
  tamper?: boolean;
}

export interface NitroEnclave {
  /** The root certificate, PEM, and its file, for the nodes' `nitro_root_pem_file`. */
  rootPem: string;
  rootPemFile: string;
  /** DER certificates: the root, the intermediates root side first, the leaf that signs. */
  certificates: { root: Buffer; intermediates: Buffer[]; leaf: Buffer };
  /** The one PCR set its documents carry, as `nitro_trusted_pcrs` lists it. */
  trustedPcrs: { pcr0: string; pcr1: string; pcr2: string }[];
  /** A base64 attestation document binding `params` for `method`. */
  attest(method: RelayMethod, params: JsonObject): string;
  /** A base64 attestation document with `userData`, changed as `overrides` say. */
  document(userData: Uint8Array, overrides?: DocumentOverrides): string;
  remove(): void;
}

/** A new PKI in a temporary directory: `intermediates` CA certificates between the root and the leaf (3 by default). */
export function nitroEnclave(options: { intermediates?: number } = {}): NitroEnclave {
  const dir = mkdtempSync(join(tmpdir(), "nitro-enclave-"));
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  writeFileSync(join(dir, "ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
  writeFileSync(join(dir, "leaf.ext"), "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n");
  const names = ["root", ...Array.from({ length: options.intermediates ?? 3 }, (_, i) => `intermediate${i}`), "leaf"];
  for (const name of names) openssl("ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", `${name}.key`);
  openssl("req", "-x509", "-new", "-key", "root.key", "-sha384", "-days", "2", "-subj", "/CN=stand-in-root", "-out", "root.pem");
  for (let i = 1; i < names.length; i++) {
    const [issuer, name] = [names[i - 1] as string, names[i] as string];
    openssl("req", "-new", "-key", `${name}.key`, "-subj", `/CN=stand-in-${name}`, "-out", `${name}.csr`);
    const ext = name === "leaf" ? "leaf.ext" : "ca.ext";
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${issuer}.pem`,
      "-CAkey",
      `${issuer}.key`,
      "-CAcreateserial",
      "-days",
      "1",
      "-sha384",
      "-extfile",
      ext,
      "-out",
      `${name}.pem`,
    );
  }
  const der = (name: string) => openssl("x509", "-in", `${name}.pem`, "-outform", "DER");
  const [root, ...rest] = names.map(der) as [Buffer, ...Buffer[]];
  const leaf = rest.pop() as Buffer;
  const leafKey = readFileSync(join(dir, "leaf.key"), "utf8");

  const document = (userData: Uint8Array, overrides: DocumentOverrides = {}) => {
    const payload = encode(
      new Map<string, unknown>([
        ["module_id", "i-stand-in-enc"],
        ["digest", "SHA384"],
        ["timestamp", Date.now()],
        ["pcrs", overrides.pcrs ?? PCRS],
        ["certificate", leaf],
        ["cabundle", overrides.cabundle ?? [root, ...rest]],
        ["public_key", null],
        ["user_data", userData],
        ["nonce", null],
      ]),
    );
    const protectedHeader = encode(new Map([[1, overrides.alg ?? ES384]]));
    const toBeSigned = encode(["Signature1", protectedHeader, new Uint8Array(0), payload]);
    const signature = sign("sha384", toBeSigned, { key: leafKey, dsaEncoding: "ieee-p1363" });
    if (overrides.tamper) signature[10] = (signature[10] ?? 0) ^ 1;
    return Buffer.from(encode([protectedHeader, new Map(), payload, signature])).toString("base64");
  };

  return {
    rootPem: readFileSync(join(dir, "root.pem"), "utf8"),
    rootPemFile: join(dir, "root.pem"),
    certificates: { root, intermediates: rest, leaf },
    trustedPcrs: [{ pcr0: pcr(1).toString("hex"), pcr1: pcr(2).toString("hex"), pcr2: pcr(3).toString("hex") }],
    attest: (method, params) => document(attestationUserData(method, params)),
    document,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
