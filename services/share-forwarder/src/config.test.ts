import { ConfigError, loadConfig, refusedSettings } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { configSchema, signingSecretProblems, unsafeSettings } from "./config.js";

const secret = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;
const load = (env: Record<string, string>) => loadConfig(configSchema, { service: "share-forwarder", file: undefined, env });
const base = { GH_SHARE_FORWARDER_MODE: "observe", GH_SHARE_FORWARDER_SHARE_UPSTREAM_URL: "http://127.0.0.1:8090/shares" };

describe("share-forwarder configuration", () => {
  it("has ReserveGrid OS's defaults", () => {
    const config = load({ ...base, GH_SHARE_FORWARDER_SHARE_UPSTREAM_SECRET: secret });
    expect(config).toMatchObject({
      share_upstream_retries: 2,
      share_forward_queue_size: 50_000,
      share_forward_max_in_flight: 256,
      share_forward_queue_drop_policy: "drop_new",
      share_dedup_window_size: 10_000,
      share_upstream_submit_timeout_ms: 2_000,
    });
  });

  it("refuses to load without a signing secret", () => {
    expect(() => load(base)).toThrow(ConfigError);
    expect(() => load(base)).toThrow(/share_upstream_secret/);
  });

  it("names a short or malformed secret without echoing it", () => {
    const short = `whsec_${Buffer.alloc(8, 1).toString("base64")}`;
    expect(signingSecretProblems([secret])).toEqual([]);
    expect(signingSecretProblems([secret, short])).toEqual(["share_upstream_extra_secrets[0]: must decode to at least 24 bytes"]);
    const problems = signingSecretProblems(["hunter2-not-a-whsec"]);
    expect(problems).toEqual(["share_upstream_secret: must be whsec_<base64>"]);
    expect(problems.join("\n")).not.toContain("hunter2");
  });

  it("refuses drop_old in inline mode and plain http to a remote upstream unless allowed", () => {
    const inline = load({
      ...base,
      GH_SHARE_FORWARDER_MODE: "inline",
      GH_SHARE_FORWARDER_SHARE_UPSTREAM_SECRET: secret,
      GH_SHARE_FORWARDER_SHARE_FORWARD_QUEUE_DROP_POLICY: "drop_old",
    });
    expect(refusedSettings(unsafeSettings(inline), {})).toEqual([expect.stringContaining("GH_ALLOW_DROP_OLD_INLINE=1")]);
    expect(refusedSettings(unsafeSettings(inline), { VELDRA_ALLOW_DROP_OLD_INLINE: "1" })).toEqual([]);
    const observe = load({
      ...base,
      GH_SHARE_FORWARDER_SHARE_UPSTREAM_SECRET: secret,
      GH_SHARE_FORWARDER_SHARE_FORWARD_QUEUE_DROP_POLICY: "drop_old",
    });
    expect(unsafeSettings(observe)).toEqual([]);
    const remote = load({
      ...base,
      GH_SHARE_FORWARDER_SHARE_UPSTREAM_SECRET: secret,
      GH_SHARE_FORWARDER_SHARE_UPSTREAM_URL: "http://pool.example:80/shares",
    });
    expect(refusedSettings(unsafeSettings(remote), {})).toEqual([expect.stringContaining("GH_ALLOW_INSECURE_HTTP_UPSTREAM=1")]);
    const tls = load({
      ...base,
      GH_SHARE_FORWARDER_SHARE_UPSTREAM_SECRET: secret,
      GH_SHARE_FORWARDER_SHARE_UPSTREAM_URL: "https://pool.example/shares",
    });
    expect(unsafeSettings(tls)).toEqual([]);
  });

  it("is per-share by default; batch mode needs a batch path and bounded sizes", () => {
    const withSecret = { ...base, GH_SHARE_FORWARDER_SHARE_UPSTREAM_SECRET: secret };
    expect(load(withSecret)).toMatchObject({
      share_upstream_batch_max_shares: 1,
      share_upstream_batch_max_wait_ms: 5,
      share_upstream_batch_max_bytes: 262_144,
    });
    expect(load(withSecret).share_upstream_batch_path).toBeUndefined();
    const batch = { ...withSecret, GH_SHARE_FORWARDER_SHARE_UPSTREAM_BATCH_MAX_SHARES: "100" };
    expect(() => load(batch)).toThrow(/share_upstream_batch_path.*required when share_upstream_batch_max_shares/);
    expect(load({ ...batch, GH_SHARE_FORWARDER_SHARE_UPSTREAM_BATCH_PATH: "/shares/batch" })).toMatchObject({
      share_upstream_batch_max_shares: 100,
      share_upstream_batch_path: "/shares/batch",
    });
    expect(() => load({ ...batch, GH_SHARE_FORWARDER_SHARE_UPSTREAM_BATCH_PATH: "http://elsewhere/batch" })).toThrow(
      /share_upstream_batch_path/,
    );
    expect(() => load({ ...batch, GH_SHARE_FORWARDER_SHARE_UPSTREAM_BATCH_MAX_SHARES: "1001" })).toThrow(/share_upstream_batch_max_shares/);
    expect(() => load({ ...withSecret, GH_SHARE_FORWARDER_SHARE_UPSTREAM_BATCH_MAX_BYTES: "1000" })).toThrow(
      /share_upstream_batch_max_bytes/,
    );
  });
});
