import { describe, expect, it } from "@jest/globals";
import { coreMajor, locatePeers, MissingPeersError } from "./peers.js";

describe("coreMajor", () => {
  it("reads the major version from Core's -version line", () => {
    expect(coreMajor("Bitcoin Core daemon version v30.2.0")).toBe(30);
    expect(coreMajor("Bitcoin Core version v30.99.0-1b3d58f128a5")).toBe(30);
    expect(coreMajor("Bitcoin Core daemon version v29.1.0")).toBe(29);
    expect(coreMajor("something else")).toBeNull();
  });
});

describe("locatePeers", () => {
  it("says what it needs when no Core is named or on PATH", () => {
    expect(() => locatePeers({ PATH: "/nonexistent" })).toThrow(MissingPeersError);
    expect(() => locatePeers({ PATH: "/nonexistent" })).toThrow(/bitcoin-node.*BITCOIND=/s);
  });
});
