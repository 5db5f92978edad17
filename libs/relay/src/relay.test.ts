import { createHash } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import fc from "fast-check";
import {
  ADDRESS_PATTERN,
  addressFromPrivateKey,
  attestationUserData,
  CanonicalJsonError,
  canonicalDigest,
  decodeBody,
  decodeCall,
  decryptWithEnclaveKey,
  devAttestationSigner,
  domainHash,
  ErrorCode,
  ecdsaBackend,
  encryptForEnclave,
  errorResponse,
  fromJsonRpcCode,
  isAddress,
  JsonRpcParseError,
  jsonNestingExceeds,
  KeyFormatError,
  METHOD_CAPABILITY_EXECUTE,
  METHOD_SECRETS_GET,
  parsePrivateKey,
  parseResponse,
  parseSecretsParams,
  parseStoredSecret,
  personalMessageHash,
  putSecret,
  RELAY_METHODS,
  RESPONSE_SIGNING_DOMAIN,
  recoverPersonalSigner,
  requestIdTooLong,
  responseBatchSigningPayload,
  responseDigest,
  responseEntryDigest,
  SecretFormatError,
  SignatureFormatError,
  secretField,
  secretHashKey,
  signDevAttestation,
  signPersonal,
  toHttpStatus,
  toJsonRpcCode,
  wireId,
} from "./index.js";

describe("error code tables (Chainlink api/constants.go)", () => {
  const table: Array<[ErrorCode, number, number]> = [
    [ErrorCode.NoError, 0, 200],
    [ErrorCode.UserMessageParseError, -32700, 400],
    [ErrorCode.UnsupportedDONIdError, -32602, 400],
    [ErrorCode.InvalidParamsError, -32602, 400],
    [ErrorCode.HandlerError, -32600, 400],
    [ErrorCode.RequestTimeoutError, -32000, 504],
    [ErrorCode.NodeResponseEncodingError, -32603, 500],
    [ErrorCode.FatalError, -32603, 500],
    [ErrorCode.StaleNodeResponseError, -32603, 500],
    [ErrorCode.UnsupportedMethodError, -32601, 400],
    [ErrorCode.ConflictError, -32003, 409],
    [ErrorCode.LimitExceededError, -32002, 429],
  ];
  it.each(table)("code %s maps to JSON-RPC %s and HTTP %s", (code, rpc, http) => {
    expect(toJsonRpcCode(code)).toBe(rpc);
    expect(toHttpStatus(code)).toBe(http);
  });
  it("maps unknown codes to -32603 / 500 and reverses JSON-RPC codes", () => {
    expect(toJsonRpcCode(99 as ErrorCode)).toBe(-32603);
    expect(toHttpStatus(99 as ErrorCode)).toBe(500);
    expect(fromJsonRpcCode(-32602)).toBe(ErrorCode.InvalidParamsError);
    expect(fromJsonRpcCode(-32003)).toBe(ErrorCode.ConflictError);
    expect(fromJsonRpcCode(-32002)).toBe(ErrorCode.LimitExceededError);
    expect(fromJsonRpcCode(-32000)).toBe(ErrorCode.RequestTimeoutError);
    expect(fromJsonRpcCode(12345)).toBe(ErrorCode.FatalError);
  });
});

describe("JSON-RPC decoding", () => {
  it("finds nesting deeper than the limit without parsing, ignoring brackets inside strings", () => {
    expect(jsonNestingExceeds("[[[]]]", 3)).toBe(false);
    expect(jsonNestingExceeds("[[[[]]]]", 3)).toBe(true);
    expect(jsonNestingExceeds('{"a":"[[[[[\\"[["}', 1)).toBe(false);
    expect(jsonNestingExceeds('["\\\\",[[[]]]]', 3)).toBe(true);
  });
  it("judges nesting as a character-by-character scan does, on any text of brackets, quotes and backslashes", () => {
    // The reference: inside a string a backslash skips the next character and a quote ends it.
    const byCharacter = (text: string, limit: number) => {
      let depth = 0;
      let inString = false;
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (inString) {
          if (c === "\\") i++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === "[" || c === "{") {
          depth += 1;
          if (depth > limit) return true;
        } else if (c === "]" || c === "}") depth -= 1;
      }
      return false;
    };
    const text = fc.string({ unit: fc.constantFrom('"', "\\", "[", "]", "{", "}", "a"), maxLength: 80 });
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 6 }), (t, limit) => jsonNestingExceeds(t, limit) === byCharacter(t, limit)),
      { numRuns: 20_000 },
    );
  });
  it("tells requests, notifications and invalid requests apart (JSON-RPC 2.0 §4)", () => {
    expect(decodeCall({ jsonrpc: "2.0", id: 1, method: "a.b", params: [] })).toEqual({
      kind: "request",
      request: { id: 1, method: "a.b", params: [] },
    });
    expect(decodeCall({ jsonrpc: "2.0", method: "a.b" })).toEqual({ kind: "notification", method: "a.b" });
    expect(decodeCall({ jsonrpc: "2.0", method: 1 })).toEqual({
      kind: "invalid",
      id: null,
      code: -32600,
      message: "method must be a string",
    });
    expect(decodeBody("[1]")).toEqual({
      kind: "batch",
      calls: [{ kind: "invalid", id: null, code: -32600, message: "request must be a JSON object" }],
    });
    expect(decodeBody("")).toEqual({ kind: "refused", code: -32700, message: "invalid JSON" });
  });
  it("gives number and null ids to the DON as their JSON text", () => {
    expect([wireId("7"), wireId(7), wireId(null), wireId(1.5)]).toEqual(["7", "7", "null", "1.5"]);
  });
  it("bounds string ids at 200 characters", () => {
    expect(requestIdTooLong("x".repeat(200))).toBeUndefined();
    expect(requestIdTooLong("x".repeat(201))).toBe("request ID is too long: 201. max is 200 characters");
  });
  it("builds error responses with data null", () => {
    expect(JSON.stringify(errorResponse("i", -32600, "m"))).toBe(
      '{"jsonrpc":"2.0","id":"i","method":"","error":{"code":-32600,"message":"m","data":null}}',
    );
  });
  it("refuses node responses that are not JSON-RPC 2.0 responses", () => {
    expect(parseResponse('{"jsonrpc":"2.0","id":"a","method":"m","result":1}').result).toBe(1);
    expect(() => parseResponse("{")).toThrow(JsonRpcParseError);
    expect(() => parseResponse('{"jsonrpc":"1.0","id":"a","method":"m","result":1}')).toThrow(JsonRpcParseError);
    expect(() => parseResponse('{"jsonrpc":"2.0","id":"a","method":"m"}')).toThrow(JsonRpcParseError);
  });
  it("lists the methods in reference order", () => {
    expect(RELAY_METHODS).toEqual([METHOD_SECRETS_GET, METHOD_CAPABILITY_EXECUTE]);
  });
});

describe("digest (behaviour 13)", () => {
  const a = JSON.parse('{"jsonrpc":"2.0","id":"1","method":"m","result":{"b":1,"a":[1,2]}}');
  const b = JSON.parse('{ "result" : { "a" : [1, 2], "b" : 1 }, "method":"m", "id":"1", "jsonrpc":"2.0" }');
  it("refuses values without a JSON text", () => {
    expect(() => canonicalDigest(undefined)).toThrow(CanonicalJsonError);
  });
  it("ignores key order and whitespace", () => {
    expect(responseDigest(a)).toBe(responseDigest(b));
    expect(responseDigest(a)).toMatch(/^[0-9a-f]{64}$/);
  });
  it("changes with any value or error message", () => {
    expect(responseDigest({ ...a, result: { a: [1, 2], b: 2 } })).not.toBe(responseDigest(a));
    const e1 = { jsonrpc: "2.0", id: "1", method: "m", error: { code: -32603, message: "x" } };
    const e2 = { ...e1, error: { code: -32603, message: "y" } };
    expect(responseDigest(e1)).not.toBe(responseDigest(e2));
  });
  it("is RFC 8785 canonical (numbers and key ordering)", () => {
    expect(canonicalDigest({ b: 1e21, a: 0.5 })).toBe(canonicalDigest(JSON.parse('{"a":5e-1,"b":1000000000000000000000}')));
  });
});

describe("EIP-191 signatures", () => {
  // Well-known vector: the key 0x4c08...8b318 signs "hello" (eth_sign / personal_sign).
  const key = parsePrivateKey("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
  it("derives the known address of a known key", () => {
    expect(addressFromPrivateKey(key)).toBe("0x2c7536e3605d9c16a7a3d7b1898e529396a65c23");
  });
  it("hashes with the personal-message prefix", () => {
    expect(Buffer.from(personalMessageHash(Buffer.from("hello"))).toString("hex")).toBe(
      "50b2c43fd39106bafbba0da34fc430e1f91e3c96ea2acee2bc34119f92b37750",
    );
  });
  it("uses the native backend here, and both backends agree in both directions", () => {
    expect(ecdsaBackend).toBe("native");
    const message = Buffer.from("cross-check");
    const byNative = signPersonal(key, message, "native");
    const byNoble = signPersonal(key, message, "noble");
    // RFC 6979 nonces: both produce the same deterministic signature.
    expect(Buffer.from(byNative).toString("hex")).toBe(Buffer.from(byNoble).toString("hex"));
    expect(recoverPersonalSigner(message, byNative, "noble")).toBe(addressFromPrivateKey(key));
    expect(recoverPersonalSigner(message, byNoble, "native")).toBe(addressFromPrivateKey(key));
  });

  it("signs and recovers, accepting V in {0,1,27,28} and rejecting others", () => {
    const message = Buffer.from("payload");
    const signature = signPersonal(key, message);
    expect([27, 28]).toContain(signature[64]);
    expect(recoverPersonalSigner(message, signature)).toBe(addressFromPrivateKey(key));
    const low = Uint8Array.from(signature);
    low[64] = (signature[64] ?? 27) - 27;
    expect(recoverPersonalSigner(message, low)).toBe(addressFromPrivateKey(key));
    const bad = Uint8Array.from(signature);
    bad[64] = 29;
    expect(() => recoverPersonalSigner(message, bad)).toThrow(SignatureFormatError);
    expect(() => recoverPersonalSigner(message, bad)).toThrow("invalid V component");
    expect(() => recoverPersonalSigner(message, signature.subarray(0, 64))).toThrow(SignatureFormatError);
    expect(() => recoverPersonalSigner(message, signature.subarray(0, 64))).toThrow("length 64");
    expect(recoverPersonalSigner(Buffer.from("other"), signature)).not.toBe(addressFromPrivateKey(key));
  });
});

describe("key material and addresses", () => {
  it("refuses private keys that are not 32 bytes of hex or not a scalar", () => {
    expect(() => parsePrivateKey("0x1234")).toThrow(KeyFormatError);
    expect(() => parsePrivateKey("00".repeat(32))).toThrow(KeyFormatError);
    expect(parsePrivateKey(`0x${"11".repeat(32)}`)).toHaveLength(32);
  });
  it("accepts 0x and 40 hex digits in any case, nothing else", () => {
    expect(isAddress(`0x${"aB".repeat(20)}`)).toBe(true);
    expect(isAddress(`0X${"ab".repeat(20)}`)).toBe(true);
    expect(isAddress(`${"ab".repeat(20)}`)).toBe(false);
    expect(isAddress(`0x${"ab".repeat(19)}`)).toBe(false);
    expect(isAddress(`0x${"ag".repeat(20)}`)).toBe(false);
    expect(new RegExp(ADDRESS_PATTERN).test(`0x${"Ab".repeat(20)}`)).toBe(true);
  });
});

describe("attestation user data", () => {
  const params = {
    workflow_id: "wf",
    owner: "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23",
    execution_id: "ab".repeat(32),
    secrets: [{ key: "k", namespace: "main" }],
    enclave_public_key: "02".padEnd(66, "1"),
  };
  it("is the length-prefixed domain hash", () => {
    const expected = Buffer.concat([
      Buffer.from("CONFIDENTIAL_COMPUTE_PAYLOAD"),
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 3]),
      Buffer.from("tag"),
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 2]),
      Buffer.from("{}"),
    ]);
    expect(Buffer.from(domainHash("tag", Buffer.from("{}"))).toString("hex")).toBe(createHash("sha256").update(expected).digest("hex"));
  });
  it("ignores the attestation field and key order, and depends on the method", () => {
    const { enclave_public_key, ...rest } = params;
    const reordered = { enclave_public_key, ...rest, attestation: "zzz" };
    expect(attestationUserData(METHOD_SECRETS_GET, reordered)).toEqual(attestationUserData(METHOD_SECRETS_GET, params));
    expect(attestationUserData(METHOD_CAPABILITY_EXECUTE, params)).not.toEqual(attestationUserData(METHOD_SECRETS_GET, params));
  });
  it("dev attestations recover the enclave key", () => {
    const enclave = secp256k1.utils.randomSecretKey();
    const attestation = signDevAttestation(enclave, METHOD_SECRETS_GET, params);
    expect(devAttestationSigner(attestation, attestationUserData(METHOD_SECRETS_GET, params))).toBe(addressFromPrivateKey(enclave));
    expect(parseSecretsParams({ ...params, attestation }).secrets).toEqual([{ key: "k", namespace: "main" }]);
  });
});

describe("response batch signing payload", () => {
  const binding = { gatewayId: "gw", nodeAddress: `0x${"ab".repeat(20)}` };
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(n));
    return b;
  };
  it("digests an entry as u64be(len key) ‖ key ‖ response bytes", () => {
    const response = Buffer.from('{"id":"1"}');
    const expected = createHash("sha256")
      .update(Buffer.concat([u64(3), Buffer.from("k-1"), response]))
      .digest();
    expect(Buffer.from(responseEntryDigest("k-1", response))).toEqual(expected);
    // The length prefix keeps the key and the response apart.
    expect(responseEntryDigest("k-1{", Buffer.from('"id":"1"}'))).not.toEqual(responseEntryDigest("k-1", response));
  });
  it("lays out domain, gateway, node, count and digests, each length-prefixed", () => {
    const d1 = responseEntryDigest("a", Buffer.from("1"));
    const d2 = responseEntryDigest("b", Buffer.from("2"));
    const field = (text: string) => [u64(Buffer.byteLength(text)), Buffer.from(text)];
    expect(Buffer.from(responseBatchSigningPayload(binding, [d1, d2]))).toEqual(
      Buffer.concat([...field(RESPONSE_SIGNING_DOMAIN), ...field("gw"), ...field(binding.nodeAddress), u64(2), d1, d2]),
    );
  });
  it("changes with the gateway, the node, any entry and their order", () => {
    const d1 = responseEntryDigest("a", Buffer.from("1"));
    const d2 = responseEntryDigest("b", Buffer.from("2"));
    const base = Buffer.from(responseBatchSigningPayload(binding, [d1, d2])).toString("hex");
    const variants = [
      responseBatchSigningPayload({ ...binding, gatewayId: "gw2" }, [d1, d2]),
      responseBatchSigningPayload({ ...binding, nodeAddress: `0x${"cd".repeat(20)}` }, [d1, d2]),
      responseBatchSigningPayload(binding, [d2, d1]),
      responseBatchSigningPayload(binding, [d1]),
      responseBatchSigningPayload(binding, [d1, responseEntryDigest("b", Buffer.from("3"))]),
    ];
    for (const variant of variants) expect(Buffer.from(variant).toString("hex")).not.toBe(base);
  });
});

describe("secret envelopes", () => {
  it("round-trip for the enclave key only", () => {
    const enclave = secp256k1.utils.randomSecretKey();
    const pub = Buffer.from(secp256k1.getPublicKey(enclave, false)).toString("hex");
    const envelope = encryptForEnclave(pub, Buffer.from("s3cret"));
    expect(Buffer.from(decryptWithEnclaveKey(enclave, envelope)).toString()).toBe("s3cret");
    expect(() => decryptWithEnclaveKey(secp256k1.utils.randomSecretKey(), envelope)).toThrow();
  });
  it("refuses an envelope too short to hold key, IV and tag", () => {
    expect(() => decryptWithEnclaveKey(secp256k1.utils.randomSecretKey(), Buffer.alloc(40).toString("base64"))).toThrow(SecretFormatError);
  });
});

describe("secret store", () => {
  it("refuses a stored record without ciphertext, enclave key and shares", () => {
    expect(() => parseStoredSecret('{"ciphertext":"x"}')).toThrow(SecretFormatError);
  });
  it("stores a secret encrypted for the enclave under the owner's hash and namespace/key field", async () => {
    const enclave = secp256k1.utils.randomSecretKey();
    const pub = `0x${Buffer.from(secp256k1.getPublicKey(enclave, false)).toString("hex").toUpperCase()}`;
    const writes: [string, string, string][] = [];
    const redis = { hset: async (key: string, field: string, value: string) => writes.push([key, field, value]) };
    const owner = `0x${"Ab".repeat(20)}`;
    await putSecret(redis, owner, { namespace: "main", key: "db" }, Buffer.from("hunter2"), pub);
    expect(writes.map(([key, field]) => [key, field])).toEqual([[secretHashKey(owner.toLowerCase()), secretField("main", "db")]]);
    const stored = parseStoredSecret(writes[0]?.[2] ?? "");
    expect(stored.enclave_public_key).toBe(pub.slice(2).toLowerCase());
    expect(stored.encrypted_shares).toEqual([]);
    expect(Buffer.from(decryptWithEnclaveKey(enclave, stored.ciphertext)).toString()).toBe("hunter2");
  });
});
