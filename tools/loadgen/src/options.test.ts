import { describe, expect, it } from "@jest/globals";
import { parseBadMix, parseCli, parseUrl, UsageError } from "./options.js";

describe("loadgen CLI options", () => {
  it("parses the flags make dev spawns it with", () => {
    const o = parseCli(
      "--url 127.0.0.1:3333 --authority-key .dev/authority.pub --connections 2 --rate 0.2 --worker dev.miner-1 --duration-s 0 --bad stale=0.05,replay=0.01 --report-interval-s 10 --json".split(
        " ",
      ),
    );
    expect(o).toMatchObject({
      host: "127.0.0.1",
      port: 3333,
      authorityKey: ".dev/authority.pub",
      plaintext: false,
      connections: 2,
      rate: 0.2,
      worker: "dev.miner-1",
      durationS: 0,
      bad: { stale: 0.05, replay: 0.01 },
      reportIntervalS: 10,
      json: true,
      reconnect: true,
      extended: false,
    });
  });

  it("--max is rate 0; --plaintext needs no key; otherwise the key is required", () => {
    expect(parseCli(["--url", "h:1", "--authority-key", "k", "--max"]).rate).toBe(0);
    expect(parseCli(["--url", "h:1", "--plaintext"])).toMatchObject({ plaintext: true, authorityKey: undefined });
    expect(() => parseCli(["--url", "h:1"])).toThrow(/--authority-key is required unless --plaintext/);
    expect(() => parseCli(["--authority-key", "k"])).toThrow(/--url is required/);
  });

  it("refuses bad numbers with the flag's name", () => {
    expect(() => parseCli(["--url", "h:1", "--plaintext", "--connections", "0"])).toThrow(/--connections must be an integer ≥ 1/);
    expect(() => parseCli(["--url", "h:1", "--plaintext", "--rate", "-1"])).toThrow(/--rate/);
    expect(() => parseCli(["--url", "h:1", "--plaintext", "--rate", ""])).toThrow(/--rate/);
    expect(() => parseCli(["--url", "h:1", "--plaintext", "--window", "1.5"])).toThrow(/--window/);
    expect(() => parseCli(["--url", "h:1", "--plaintext", "--bogus"])).toThrow();
  });

  it("reads host:port in its usual spellings", () => {
    expect(parseUrl("tcp://10.0.0.1:3333")).toEqual({ host: "10.0.0.1", port: 3333 });
    expect(parseUrl("[::1]:34254")).toEqual({ host: "::1", port: 34254 });
    expect(parseUrl("edge.local:1")).toEqual({ host: "edge.local", port: 1 });
    for (const bad of ["edge", ":3333", "h:0", "h:70000", "h:x"]) expect(() => parseUrl(bad)).toThrow(UsageError);
  });

  it("bad-share mixes: known kinds, fractions in [0,1] summing to at most 1, hyphens accepted", () => {
    expect(parseBadMix("")).toEqual({});
    expect(parseBadMix("below-target=0.1, unknown_job=0.2")).toEqual({ below_target: 0.1, unknown_job: 0.2 });
    expect(() => parseBadMix("bogus=0.1")).toThrow(/unknown kind "bogus"/);
    expect(() => parseBadMix("stale")).toThrow(/needs a fraction/);
    expect(() => parseBadMix("stale=1.5")).toThrow(/between 0 and 1/);
    expect(() => parseBadMix("stale=0.6,replay=0.6")).toThrow(/sum to 1.2/);
    expect(() => parseBadMix("stale=0.1,stale=0.1")).toThrow(/given twice/);
  });
});
