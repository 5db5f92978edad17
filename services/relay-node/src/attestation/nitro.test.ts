import { attestationUserData, METHOD_SECRETS_GET } from "@gatehouse/relay";
import { type DocumentOverrides, type NitroEnclave, nitroEnclave } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { NitroAttestationVerifier } from "./nitro.js";

/** A throw-away PKI shaped like AWS Nitro's (P-384 root → intermediate → leaf), and an unrelated root. */
let enclave: NitroEnclave;
let other: NitroEnclave;

beforeAll(() => {
  enclave = nitroEnclave({ intermediates: 1 });
  other = nitroEnclave({ intermediates: 0 });
});

afterAll(() => {
  enclave?.remove();
  other?.remove();
});

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

function document(overrides: DocumentOverrides & { userData?: Uint8Array } = {}): string {
  return enclave.document(overrides.userData ?? userData, overrides);
}

describe("NitroAttestationVerifier", () => {
  const verifier = () => new NitroAttestationVerifier({ rootPem: enclave.rootPem, trustedPcrs: trusted });

  it("accepts a document chained to the root, signed by the leaf, bound to the params, with trusted PCRs", () => {
    expect(() => verifier().verify(document(), userData)).not.toThrow();
  });

  it("accepts any of several trusted PCR sets", () => {
    const otherPcrs = { pcr0: pcr(7).toString("hex"), pcr1: pcr(7).toString("hex"), pcr2: pcr(7).toString("hex") };
    const v = new NitroAttestationVerifier({ rootPem: enclave.rootPem, trustedPcrs: [otherPcrs, ...trusted] });
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
    ["chain from another root", () => document({ cabundle: enclave.certificates.intermediates }), "does not start at the trusted root"],
  ])("rejects %s", (_name, make, message) => {
    expect(() => verifier().verify(make(), userData)).toThrow(message);
  });

  it("rejects a root that is not the configured one, and certificates outside their validity", () => {
    const otherRoot = new NitroAttestationVerifier({ rootPem: other.rootPem, trustedPcrs: trusted });
    expect(() => otherRoot.verify(document(), userData)).toThrow("does not start at the trusted root");
    const later = new NitroAttestationVerifier({ rootPem: enclave.rootPem, trustedPcrs: trusted, now: () => Date.now() + 3 * 86_400_000 });
    expect(() => later.verify(document(), userData)).toThrow("is not valid now");
  });

  it("verifies a chain once and checks each later document's own signature and the time against the cached chain", () => {
    let now = Date.now();
    const outcomes: string[] = [];
    const v = new NitroAttestationVerifier({
      rootPem: enclave.rootPem,
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
      rootPem: enclave.rootPem,
      trustedPcrs: trusted,
      maxCachedChains: 1,
      onChain: (o) => outcomes.push(o),
    });
    // Refused twice in full: a chain that failed is not remembered.
    const foreign = document({ cabundle: enclave.certificates.intermediates });
    expect(() => v.verify(foreign, userData)).toThrow("does not start at the trusted root");
    expect(() => v.verify(foreign, userData)).toThrow("does not start at the trusted root");
    // A second valid chain (the bundle names the self-signed root twice) pushes the first out.
    const longer = document({ cabundle: [enclave.certificates.root, enclave.certificates.root, ...enclave.certificates.intermediates] });
    v.verify(document(), userData);
    v.verify(longer, userData);
    v.verify(longer, userData);
    v.verify(document(), userData);
    expect(outcomes).toEqual(["verified", "verified", "cached", "verified"]);
  });
});
