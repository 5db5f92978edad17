import { describe, expect, it } from "@jest/globals";
import { configSchema, unsafeSettings } from "./config.js";

const base = { dev_key_seed: "n0", attestation: { mode: "dev", dev_enclave_addresses: [`0x${"1".padStart(40, "0")}`] } };

describe("relay-node unsafe settings", () => {
  it("needs GH_ALLOW_INSECURE_HTTP_UPSTREAM for a plain-http capability endpoint off loopback only", () => {
    const unsafe = (input: object) => unsafeSettings(configSchema.parse({ ...base, ...input }));
    expect(unsafe({})).toEqual([]);
    expect(unsafe({ http_capability_url: "http://127.0.0.1:9000/run" })).toEqual([]);
    expect(unsafe({ http_capability_url: "https://cap.example/run" })).toEqual([]);
    expect(unsafe({ http_capability_url: "http://cap.example/run" })).toEqual([
      { flag: "ALLOW_INSECURE_HTTP_UPSTREAM", problem: "http_capability_url http://cap.example is plain http to a non-loopback host" },
    ]);
  });
});
