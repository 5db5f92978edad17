import { describe, expect, it } from "@jest/globals";
import { insecureHttpUpstream, isAllowed, offLoopback, refusedSettings, SafetyFlag } from "./safety.js";

describe("safety flags", () => {
  it("accepts the GH_ name and ReserveGrid OS's VELDRA_ alias", () => {
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

describe("unsafe setting rules", () => {
  it("calls only plain http to another machine an insecure upstream", () => {
    const unsafe = (url: string) => insecureHttpUpstream("upstream_url", url).length > 0;
    expect(unsafe("http://arweave.net")).toBe(true);
    expect(unsafe("http://10.0.0.5:1984/path")).toBe(true);
    expect(unsafe("http://127.0.0.1:1984")).toBe(false);
    expect(unsafe("http://localhost:1984")).toBe(false);
    expect(unsafe("http://[::1]:1984")).toBe(false);
    expect(unsafe("https://arweave.net")).toBe(false);
    expect(insecureHttpUpstream("upstream_url", undefined)).toEqual([]);
    expect(insecureHttpUpstream("share_upstream_url", "http://pool.example:8090/shares")).toEqual([
      {
        flag: SafetyFlag.insecureHttpUpstream,
        problem: "share_upstream_url http://pool.example:8090 is plain http to a non-loopback host",
      },
    ]);
  });

  it("flags a listener only off loopback", () => {
    expect(offLoopback("127.0.0.1:3000", SafetyFlag.noApiKey, "open")).toEqual([]);
    expect(offLoopback("[::1]:3000", SafetyFlag.noApiKey, "open")).toEqual([]);
    expect(offLoopback("0.0.0.0:3000", SafetyFlag.noApiKey, "open")).toEqual([{ flag: SafetyFlag.noApiKey, problem: "open" }]);
  });
});
