import { describe, expect, it } from "@jest/globals";
import { service } from "../service.js";
import { configSchema, inFlightDrainMs, memberFreshMs, probeTimeoutMs, requestTimeoutMs } from "./config.js";
import { quorumSize } from "./quorum.js";

const members = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `n${i}`, address: `0x${String(i + 1).padStart(40, "0")}` }));
const base = { auth: { mode: "none" as const }, don: { f: 1, members: members(4) } };

function problems(input: unknown): string[] {
  const result = configSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("relay-gateway config", () => {
  it("accepts N = 3F+1 and defaults the handler timeout to the gateway timeout minus 1 s", () => {
    const config = configSchema.parse(base);
    expect(requestTimeoutMs(config)).toBe(29_000);
    expect(config.don.quorum_type).toBe("f_plus_one");
    expect(config.rpc_addr).toBe("127.0.0.1:5002");
  });

  it("rejects N < 3F+1, duplicate members and bad addresses", () => {
    expect(problems({ ...base, don: { f: 1, members: members(3) } })).toEqual([
      "don.members: needs at least 4 members (3F+1 where F=1), has 3",
    ]);
    expect(problems({ ...base, don: { f: 1, members: [...members(4), { name: "n0", address: `0x${"9".repeat(40)}` }] } })).toEqual([
      "don.members: duplicate member name n0",
    ]);
    expect(problems({ ...base, don: { f: 0, members: [{ name: "x", address: "0x12" }] } })[0]).toMatch(/address/);
  });

  it("refuses a handler timeout not below the gateway timeout, and a sweep slower than 1 s", () => {
    expect(problems({ ...base, gateway_timeout_ms: 5_000, request_timeout_ms: 5_000 })).toEqual([
      "request_timeout_ms: request_timeout_ms (5000) must be below gateway_timeout_ms (5000) so the handler answers first",
    ]);
    expect(problems({ ...base, sweep_interval_ms: 5_000 })[0]).toMatch(/^sweep_interval_ms/);
  });

  it("needs tokens in tokens mode", () => {
    expect(problems({ don: base.don })).toEqual(["auth.tokens: auth.mode tokens needs at least one [[auth.tokens]] entry"]);
  });

  it("computes libocr's quorum sizes", () => {
    expect([
      quorumSize("f_plus_one", 4, 1),
      quorumSize("two_f_plus_one", 4, 1),
      quorumSize("byz_quorum", 4, 1),
      quorumSize("n_minus_f", 4, 1),
    ]).toEqual([2, 3, 3, 3]);
    expect([quorumSize("f_plus_one", 7, 2), quorumSize("byz_quorum", 7, 2), quorumSize("n_minus_f", 7, 2)]).toEqual([3, 5, 5]);
  });
});

describe("relay-gateway unsafe settings", () => {
  it("needs GH_GATEWAY_ALLOW_OPEN_AUTH for auth.mode none off loopback, and nothing on loopback", () => {
    const unsafe = (input: unknown) => service.unsafe?.(configSchema.parse(input)) ?? [];
    expect(unsafe(base)).toEqual([]);
    expect(unsafe({ ...base, rpc_addr: "0.0.0.0:5002" })).toEqual([
      { flag: "GATEWAY_ALLOW_OPEN_AUTH", problem: "auth.mode is none while rpc_addr 0.0.0.0:5002 is not loopback" },
    ]);
  });
});

describe("relay-gateway timings derived from config", () => {
  it("counts a member reachable for three probe intervals after its last acknowledgement", () => {
    expect(memberFreshMs(configSchema.parse({ ...base, probe_interval_ms: 2_000 }))).toBe(6_000);
  });

  it("bounds a probe by the node send timeout, never beyond the probe interval", () => {
    expect(probeTimeoutMs({ node_send_timeout_ms: 500, probe_interval_ms: 2_000 })).toBe(500);
    expect(probeTimeoutMs({ node_send_timeout_ms: 5_000, probe_interval_ms: 2_000 })).toBe(2_000);
  });

  it("lets in-flight requests finish within half the shutdown budget, at most one request expiry", () => {
    expect(inFlightDrainMs({ shutdown_timeout_ms: 10_000, request_timeout_ms: 0, gateway_timeout_ms: 30_000 })).toBe(5_000);
    expect(inFlightDrainMs({ shutdown_timeout_ms: 10_000, request_timeout_ms: 3_000, gateway_timeout_ms: 30_000 })).toBe(3_000);
  });
});
