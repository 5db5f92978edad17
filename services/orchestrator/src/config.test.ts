import { describe, expect, it } from "@jest/globals";
import {
  adminSignerAddress,
  CRASH_POINTS_FLAG,
  configSchema,
  isLocalRpcUrl,
  retentionMs,
  unsafeSettings,
  workflowsDisabledReason,
} from "./config.js";

const SIGNER_KEY = `0x${"11".repeat(32)}`;
const DISTRIBUTOR = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const SIGNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

const config = (overrides: Record<string, unknown> = {}) => configSchema.parse(overrides);

describe("workflowsDisabledReason", () => {
  it("disables workflows without a contract or without a signer", () => {
    expect(workflowsDisabledReason(config())).toMatch(/rewards_distributor_address or chain.signer_secrets not set/);
    expect(workflowsDisabledReason(config({ chain: { rewards_distributor_address: DISTRIBUTOR } }))).toBeDefined();
    expect(workflowsDisabledReason(config({ chain: { signer_secrets: [SIGNER_KEY] } }))).toBeDefined();
  });

  it("runs them with both", () => {
    expect(
      workflowsDisabledReason(config({ chain: { rewards_distributor_address: DISTRIBUTOR, signer_secrets: [SIGNER_KEY] } })),
    ).toBeUndefined();
  });
});

describe("adminSignerAddress", () => {
  it("is chain.admin_signer, checksummed, when set", () => {
    expect(adminSignerAddress(config({ chain: { admin_signer: SIGNER.toLowerCase() } }), [])).toBe(SIGNER);
  });

  it("is the primary signer otherwise", () => {
    expect(adminSignerAddress(config(), [SIGNER, DISTRIBUTOR as `0x${string}`])).toBe(SIGNER);
  });
});

describe("retentionMs", () => {
  it("is store.retention_days in milliseconds, fractions included", () => {
    expect(retentionMs(config({ store: { retention_days: 0.5 } }))).toBe(43_200_000);
    expect(retentionMs(config())).toBe(30 * 86_400_000);
  });
});

describe("unsafe settings", () => {
  it("treats only 127.0.0.1 and localhost RPC URLs as local", () => {
    expect(isLocalRpcUrl("http://127.0.0.1:8545")).toBe(true);
    expect(isLocalRpcUrl("http://localhost/rpc")).toBe(true);
    expect(isLocalRpcUrl("http://127.0.0.1.example.com:8545")).toBe(false);
    expect(isLocalRpcUrl("https://rpc.example.com")).toBe(false);
  });

  it("accepts the development defaults", () => {
    expect(unsafeSettings(config())).toEqual([]);
  });

  it("flags a dev chain on a remote RPC, crash points, and an open API off loopback", () => {
    const flags = unsafeSettings(
      config({
        chain: { dev_chain: true, rpc_url: "https://rpc.example.com" },
        crash_points: ["created"],
        api: { addr: "0.0.0.0:3000" },
      }),
    ).map((s) => s.flag);
    expect(flags).toEqual(expect.arrayContaining(["ALLOW_REMOTE_DEV_CHAIN", CRASH_POINTS_FLAG]));
    expect(flags).toHaveLength(3);
  });

  it("flags plain http to a remote RPC or Arweave gateway", () => {
    expect(unsafeSettings(config({ chain: { rpc_url: "http://rpc.example.com" } }))).toHaveLength(1);
    expect(
      unsafeSettings(config({ evidence: { store: "arweave", arweave: { wallet_file: "w.json", gateway_url: "http://ar.example.com" } } })),
    ).toHaveLength(1);
  });
});
