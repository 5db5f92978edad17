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

/** Intermediates between the root and the leaf: each is one more P-384 check in a full chain verification. */
const INTERMEDIATES = 3;
const PCR = (byte: number) => Buffer.alloc(48, byte);

export interface NitroEnclave {
  /** The root certificate's PEM file, for the nodes' `nitro_root_pem_file`. */
  rootPemFile: string;
  trustedPcrs: { pcr0: string; pcr1: string; pcr2: string }[];
  /** A base64 attestation document binding `params` for `method`. */
  attest(method: RelayMethod, params: JsonObject): string;
  remove(): void;
}

export function nitroEnclave(): NitroEnclave {
  const dir = mkdtempSync(join(tmpdir(), "bench-nitro-"));
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  writeFileSync(join(dir, "ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
  writeFileSync(join(dir, "leaf.ext"), "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n");
  const names = ["root", ...Array.from({ length: INTERMEDIATES }, (_, i) => `intermediate${i}`), "leaf"];
  for (const name of names) openssl("ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", `${name}.key`);
  openssl("req", "-x509", "-new", "-key", "root.key", "-sha384", "-days", "2", "-subj", "/CN=bench-root", "-out", "root.pem");
  for (let i = 1; i < names.length; i++) {
    const [issuer, name] = [names[i - 1] as string, names[i] as string];
    openssl("req", "-new", "-key", `${name}.key`, "-subj", `/CN=bench-${name}`, "-out", `${name}.csr`);
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
  const der = (name: string) => execFileSync("openssl", ["x509", "-in", `${name}.pem`, "-outform", "DER"], { cwd: dir });
  const cabundle = names.slice(0, -1).map(der);
  const certificate = der("leaf");
  const leafKey = readFileSync(join(dir, "leaf.key"), "utf8");
  const protectedHeader = encode(new Map([[1, -35]]));
  return {
    rootPemFile: join(dir, "root.pem"),
    trustedPcrs: [{ pcr0: PCR(1).toString("hex"), pcr1: PCR(2).toString("hex"), pcr2: PCR(3).toString("hex") }],
    attest(method, params) {
      const payload = encode(
        new Map<string, unknown>([
          ["module_id", "i-bench-enc"],
          ["digest", "SHA384"],
          ["timestamp", Date.now()],
          [
            "pcrs",
            new Map([
              [0, PCR(1)],
              [1, PCR(2)],
              [2, PCR(3)],
            ]),
          ],
          ["certificate", certificate],
          ["cabundle", cabundle],
          ["public_key", null],
          ["user_data", attestationUserData(method, params)],
          ["nonce", null],
        ]),
      );
      const toBeSigned = encode(["Signature1", protectedHeader, new Uint8Array(0), payload]);
      const signature = sign("sha384", toBeSigned, { key: leafKey, dsaEncoding: "ieee-p1363" });
      return Buffer.from(encode([protectedHeader, new Map(), payload, signature])).toString("base64");
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
