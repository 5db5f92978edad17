import { execFileSync } from "node:child_process";
import { sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { attestationUserData, METHOD_SECRETS_GET } from "@gatehouse/relay";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { encode } from "cborg";
import { NitroAttestationVerifier } from "./nitro.js";

/** A throw-away PKI shaped like AWS Nitro's: P-384 root → intermediate → leaf, made with openssl. */
interface Pki {
  rootPem: string;
  otherRootPem: string;
  rootDer: Buffer;
  intermediateDer: Buffer;
  leafDer: Buffer;
  leafKeyPem: string;
}

let dir: string;
let pki: Pki;

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

function der(name: string): Buffer {
  openssl("x509", "-in", `${name}.pem`, "-outform", "DER", "-out", `${name}.der`);
  return readFileSync(join(dir, `${name}.der`));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nitro-pki-"));
  writeFileSync(join(dir, "ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
  writeFileSync(join(dir, "leaf.ext"), "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n");
  for (const name of ["root", "other", "intermediate", "leaf"])
    openssl("ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", `${name}.key`);
  for (const name of ["root", "other"]) {
    openssl(
      "req",
      "-x509",
      "-new",
      "-key",
      `${name}.key`,
      "-sha384",
      "-days",
      "30",
      "-subj",
      `/CN=test-${name}`,
      "-out",
      `${name}.pem`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
  }
  openssl("req", "-new", "-key", "intermediate.key", "-subj", "/CN=test-intermediate", "-out", "intermediate.csr");
  openssl(
    "x509",
    "-req",
    "-in",
    "intermediate.csr",
    "-CA",
    "root.pem",
    "-CAkey",
    "root.key",
    "-CAcreateserial",
    "-days",
    "30",
    "-sha384",
    "-extfile",
    "ca.ext",
    "-out",
    "intermediate.pem",
  );
  openssl("req", "-new", "-key", "leaf.key", "-subj", "/CN=test-enclave", "-out", "leaf.csr");
  openssl(
    "x509",
    "-req",
    "-in",
    "leaf.csr",
    "-CA",
    "intermediate.pem",
    "-CAkey",
    "intermediate.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-sha384",
    "-extfile",
    "leaf.ext",
    "-out",
    "leaf.pem",
  );
  pki = {
    rootPem: readFileSync(join(dir, "root.pem"), "utf8"),
    otherRootPem: readFileSync(join(dir, "other.pem"), "utf8"),
    rootDer: der("root"),
    intermediateDer: der("intermediate"),
    leafDer: der("leaf"),
    leafKeyPem: readFileSync(join(dir, "leaf.key"), "utf8"),
  };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pcr = (byte: number) => Buffer.alloc(48, byte);
const trusted = [{ pcr0: pcr(1).toString("hex"), pcr1: pcr(2).toString("hex"), pcr2: pcr(3).toString("hex") }];
const params = {
  workflow_id: "wf",
  owner: `0x${"11".repeat(20)}`,
  execution_id: "ab".repeat(32),
  secrets: [{ key: "k" }],
  enclave_public_key: `02${"33".repeat(32)}`,
};
const userData = attestationUserData(METHOD_SECRETS_GET, params);

function document(
  overrides: { userData?: Uint8Array; pcrs?: Map<number, Buffer>; cabundle?: Buffer[]; tamper?: boolean; alg?: number } = {},
): string {
  const payload = encode(
    new Map<string, unknown>([
      ["module_id", "i-test-enc"],
      ["digest", "SHA384"],
      ["timestamp", Date.now()],
      [
        "pcrs",
        overrides.pcrs ??
          new Map([
            [0, pcr(1)],
            [1, pcr(2)],
            [2, pcr(3)],
            [3, pcr(0)],
          ]),
      ],
      ["certificate", pki.leafDer],
      ["cabundle", overrides.cabundle ?? [pki.rootDer, pki.intermediateDer]],
      ["public_key", null],
      ["user_data", overrides.userData ?? userData],
      ["nonce", null],
    ]),
  );
  const protectedHeader = encode(new Map([[1, overrides.alg ?? -35]]));
  const toBeSigned = encode(["Signature1", protectedHeader, new Uint8Array(0), payload]);
  const signature = sign("sha384", toBeSigned, { key: pki.leafKeyPem, dsaEncoding: "ieee-p1363" });
  if (overrides.tamper) signature[10] = (signature[10] ?? 0) ^ 1;
  return Buffer.from(encode([protectedHeader, new Map(), payload, signature])).toString("base64");
}

describe("NitroAttestationVerifier", () => {
  const verifier = () => new NitroAttestationVerifier({ rootPem: pki.rootPem, trustedPcrs: trusted });

  it("accepts a document chained to the root, signed by the leaf, bound to the params, with trusted PCRs", () => {
    expect(() => verifier().verify(document(), userData)).not.toThrow();
  });

  it("accepts any of several trusted PCR sets", () => {
    const other = { pcr0: pcr(7).toString("hex"), pcr1: pcr(7).toString("hex"), pcr2: pcr(7).toString("hex") };
    const v = new NitroAttestationVerifier({ rootPem: pki.rootPem, trustedPcrs: [other, ...trusted] });
    expect(() => v.verify(document(), userData)).not.toThrow();
  });

  it.each([
    ["missing", () => "", "missing attestation"],
    ["not CBOR", () => Buffer.from("hello").toString("base64"), "invalid nitro attestation"],
    ["tampered signature", () => document({ tamper: true }), "COSE signature does not verify"],
    ["other algorithm", () => document({ alg: -7 }), "protected header must name ES384"],
    ["user_data of other params", () => document({ userData: Buffer.alloc(32, 9) }), "user_data does not match the request params"],
    [
      "untrusted PCR0",
      () =>
        document({
          pcrs: new Map([
            [0, pcr(9)],
            [1, pcr(2)],
            [2, pcr(3)],
          ]),
        }),
      "no trusted PCR set matched",
    ],
    [
      "too few PCRs",
      () =>
        document({
          pcrs: new Map([
            [0, pcr(1)],
            [1, pcr(2)],
          ]),
        }),
      "fewer than 3 PCRs",
    ],
    ["chain from another root", () => document({ cabundle: [pki.intermediateDer] }), "does not start at the trusted root"],
  ])("rejects %s", (_name, make, message) => {
    expect(() => verifier().verify(make(), userData)).toThrow(message);
  });

  it("rejects a root that is not the configured one, and certificates outside their validity", () => {
    const other = new NitroAttestationVerifier({ rootPem: pki.otherRootPem, trustedPcrs: trusted });
    expect(() => other.verify(document(), userData)).toThrow("does not start at the trusted root");
    const later = new NitroAttestationVerifier({ rootPem: pki.rootPem, trustedPcrs: trusted, now: () => Date.now() + 3 * 86_400_000 });
    expect(() => later.verify(document(), userData)).toThrow("is not valid now");
  });

  it("verifies a chain once and checks each later document's own signature and the time against the cached chain", () => {
    let now = Date.now();
    const outcomes: string[] = [];
    const v = new NitroAttestationVerifier({
      rootPem: pki.rootPem,
      trustedPcrs: trusted,
      now: () => now,
      onChain: (o) => outcomes.push(o),
    });
    v.verify(document(), userData);
    v.verify(document(), userData);
    expect(outcomes).toEqual(["verified", "cached"]);
    // The chain is cached, the document's own signature and binding are still checked.
    expect(() => v.verify(document({ tamper: true }), userData)).toThrow("COSE signature does not verify");
    expect(() => v.verify(document({ userData: Buffer.alloc(32, 9) }), userData)).toThrow("user_data does not match");
    // A chain verified before is refused once the clock leaves its certificates' validity.
    now += 3 * 86_400_000;
    expect(() => v.verify(document(), userData)).toThrow("is not valid now");
    expect(outcomes.slice(2)).toEqual(["cached", "cached", "cached"]);
  });

  it("keeps only chains that verified, at most maxCachedChains of them, the oldest leaving first", () => {
    const outcomes: string[] = [];
    const v = new NitroAttestationVerifier({
      rootPem: pki.rootPem,
      trustedPcrs: trusted,
      maxCachedChains: 1,
      onChain: (o) => outcomes.push(o),
    });
    // Refused twice in full: a chain that failed is not remembered.
    const foreign = document({ cabundle: [pki.intermediateDer] });
    expect(() => v.verify(foreign, userData)).toThrow("does not start at the trusted root");
    expect(() => v.verify(foreign, userData)).toThrow("does not start at the trusted root");
    // A second valid chain (the bundle names the self-signed root twice) pushes the first out.
    const longer = document({ cabundle: [pki.rootDer, pki.rootDer, pki.intermediateDer] });
    v.verify(document(), userData);
    v.verify(longer, userData);
    v.verify(longer, userData);
    v.verify(document(), userData);
    expect(outcomes).toEqual(["verified", "verified", "cached", "verified"]);
  });
});
