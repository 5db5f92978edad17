import { SafetyFlag } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { configSchema, unsafeSettings } from "./config.js";

const serving = { mode: "observe" as const };

describe("miner-edge config", () => {
  it("serves over Noise by default and then needs the server identity and authority", () => {
    const result = configSchema.safeParse(serving);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toEqual(["noise_key_file", "authority_public_key_file"]);
    expect(configSchema.parse({ ...serving, noise_key_file: "k.json", authority_public_key_file: "a.pub" }).transport).toBe("noise");
  });

  it("plaintext needs no identity but is an unsafe setting behind ALLOW_PLAINTEXT", () => {
    const config = configSchema.parse({ ...serving, transport: "plaintext" });
    expect(unsafeSettings(config)).toEqual([{ flag: SafetyFlag.plaintext, problem: expect.stringContaining("transport = plaintext") }]);
    expect(unsafeSettings(configSchema.parse({ ...serving, noise_key_file: "k", authority_public_key_file: "a" }))).toEqual([]);
    expect(configSchema.safeParse({ transport: "tls" }).success).toBe(false);
  });

  it("extended channels are off by default; the miner's extranonce fits SV2's 32 bytes with the 8-byte prefix", () => {
    expect(configSchema.parse({})).toMatchObject({ extended_channels_enabled: false, extended_extranonce_size: 8 });
    expect(configSchema.safeParse({ extended_extranonce_size: 24 }).success).toBe(true);
    expect(configSchema.safeParse({ extended_extranonce_size: 25 }).success).toBe(false);
    expect(configSchema.safeParse({ extended_extranonce_size: 0 }).success).toBe(false);
  });
});
