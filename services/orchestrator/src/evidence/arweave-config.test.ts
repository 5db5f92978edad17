import { describe, expect, it } from "@jest/globals";
import { configSchema } from "../config.js";
import { service } from "../service.js";

const issues = (evidence: unknown) => {
  const result = configSchema.safeParse({ evidence });
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
};

describe("[evidence] configuration", () => {
  it("defaults to the local store, with Arweave settings ready for arweave.net", () => {
    const config = configSchema.parse({});
    expect(config.evidence.store).toBe("local");
    expect(config.evidence.arweave).toEqual({
      gateway_url: "https://arweave.net",
      wallet_file: "",
      min_confirmations: 1,
      poll_interval_ms: 30_000,
      request_timeout_ms: 20_000,
    });
  });

  it("needs a wallet file and a gateway origin for the Arweave store", () => {
    expect(issues({ store: "arweave" })).toEqual(['evidence.arweave.wallet_file: is required when evidence.store = "arweave"']);
    expect(issues({ store: "arweave", arweave: { wallet_file: "w.json", gateway_url: "https://arweave.net/x" } })).toEqual([
      'evidence.arweave.gateway_url: "https://arweave.net/x" must be an origin (no path, query or fragment)',
    ]);
    expect(issues({ store: "arweave", arweave: { wallet_file: "w.json" } })).toEqual([]);
    expect(issues({ store: "s3" })).toHaveLength(1);
  });

  it("refuses plain http to a remote gateway unless GH_ALLOW_INSECURE_HTTP_UPSTREAM", () => {
    const unsafe = (gateway_url: string, store = "arweave") =>
      service.unsafe?.(configSchema.parse({ evidence: { store, arweave: { wallet_file: "w.json", gateway_url } } })) ?? [];
    expect(unsafe("http://gateway.example:1984")).toEqual([
      {
        flag: "ALLOW_INSECURE_HTTP_UPSTREAM",
        problem: "evidence.arweave.gateway_url http://gateway.example:1984 is plain http to a non-loopback host",
      },
    ]);
    expect(unsafe("http://127.0.0.1:1984")).toEqual([]);
    expect(unsafe("https://arweave.net")).toEqual([]);
    expect(unsafe("http://gateway.example:1984", "local")).toEqual([]);
  });
});
