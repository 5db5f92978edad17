import { describe, expect, it } from "@jest/globals";
import { isAllowed, refusedSettings, SafetyFlag } from "./safety.js";

describe("safety flags", () => {
  it("accepts the GH_ name and the seed's VELDRA_ alias", () => {
    expect(isAllowed(SafetyFlag.plaintext, { GH_ALLOW_PLAINTEXT: "1" })).toBe(true);
    expect(isAllowed(SafetyFlag.plaintext, { VELDRA_ALLOW_PLAINTEXT: "true" })).toBe(true);
    expect(isAllowed(SafetyFlag.openAuth, { GH_GATEWAY_ALLOW_OPEN_AUTH: "yes" })).toBe(true);
  });

  it("treats anything but an explicit yes as not allowed", () => {
    expect(isAllowed(SafetyFlag.plaintext, {})).toBe(false);
    expect(isAllowed(SafetyFlag.plaintext, { GH_ALLOW_PLAINTEXT: "0" })).toBe(false);
    expect(isAllowed(SafetyFlag.plaintext, { GH_ALLOW_PLAINTEXT: "" })).toBe(false);
  });

  it("refuses each unsafe setting whose flag is unset, naming the flag", () => {
    const settings = [
      { flag: SafetyFlag.noApiKey, problem: "http_addr 0.0.0.0:8082 is not loopback and http_api_key is not set" },
      { flag: SafetyFlag.dropOldInline, problem: "drop_old in inline mode" },
    ];
    expect(refusedSettings(settings, { GH_ALLOW_DROP_OLD_INLINE: "1" })).toEqual([
      "unsafe configuration: http_addr 0.0.0.0:8082 is not loopback and http_api_key is not set (set GH_ALLOW_NO_API_KEY=1 to allow)",
    ]);
  });
});
