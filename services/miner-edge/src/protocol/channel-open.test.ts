import { difficultyToTarget, u256ToLE } from "@gatehouse/bitcoin";
import { describe, expect, it } from "@jest/globals";
import type { AuthDecision } from "./auth.js";
import { type ChannelOpenContext, type ChannelOpenPolicy, type ChannelOpenRequest, decideChannelOpen } from "./channel-open.js";

const policy: ChannelOpenPolicy = {
  extended_channels_enabled: true,
  max_channels_per_connection: 2,
  max_worker_id_bytes: 16,
  extended_extranonce_size: 8,
  initial_difficulty: 4,
  upstream_stale_max_ms: 30_000,
  upstream_failure_policy: "fail_closed",
};
const authorized: AuthDecision = { ok: true, workerId: "rig.1", poolAccountId: "acct" };
const context: ChannelOpenContext = { auth: authorized, openChannels: 0, templateAgeMs: 1_000 };
const EASIEST = u256ToLE((1n << 256n) - 1n);
const standard: ChannelOpenRequest = { userIdentity: "rig.1", nominalHashRate: 1e12, maxTarget: EASIEST };

describe("decideChannelOpen", () => {
  it("opens a standard channel at initial_difficulty's target for the authorized worker", () => {
    expect(decideChannelOpen(standard, policy, context)).toEqual({
      open: true,
      workerId: "rig.1",
      poolAccountId: "acct",
      target: difficultyToTarget(4),
      extranonceSize: 0,
    });
  });

  it("caps the starting target at the miner's max_target", () => {
    const hard = difficultyToTarget(1000);
    const decision = decideChannelOpen({ ...standard, maxTarget: u256ToLE(hard) }, policy, context);
    expect(decision).toMatchObject({ open: true, target: hard });
  });

  it("gives an extended channel the configured extranonce size, and refuses a miner needing more", () => {
    expect(decideChannelOpen({ ...standard, minExtranonceSize: 4 }, policy, context)).toMatchObject({ open: true, extranonceSize: 8 });
    expect(decideChannelOpen({ ...standard, minExtranonceSize: 9 }, policy, context)).toMatchObject({
      open: false,
      reason: "channel_open_rejected",
      errorCode: "min-extranonce-size-too-large",
    });
  });

  it("refuses an extended channel when they are disabled, before asking who the miner is", () => {
    const decision = decideChannelOpen(
      { ...standard, minExtranonceSize: 4 },
      { ...policy, extended_channels_enabled: false },
      { ...context, auth: { ok: false, reason: "miner_unauthorized", detail: "not listed" } },
    );
    expect(decision).toEqual({
      open: false,
      reason: "extended_channel_unsupported",
      errorCode: "extended-channels-not-supported",
      detail: "",
      workerId: "rig.1",
    });
  });

  it("answers an authorization failure with SRI's error codes and the worker id cut to max_worker_id_bytes", () => {
    const long = { ...standard, userIdentity: "x".repeat(40) };
    const tooLong = decideChannelOpen(long, policy, { ...context, auth: { ok: false, reason: "identity_too_long", detail: "40 bytes" } });
    expect(tooLong).toEqual({
      open: false,
      reason: "identity_too_long",
      errorCode: "invalid-user-identity",
      detail: "40 bytes",
      workerId: "x".repeat(16),
    });
    const unknown = decideChannelOpen(standard, policy, { ...context, auth: { ok: false, reason: "miner_unauthorized", detail: "no" } });
    expect(unknown).toMatchObject({ open: false, reason: "miner_unauthorized", errorCode: "unknown-user" });
  });

  it("refuses a channel beyond max_channels_per_connection", () => {
    expect(decideChannelOpen(standard, policy, { ...context, openChannels: 2 })).toMatchObject({
      open: false,
      reason: "channel_limit_exceeded",
      errorCode: "max-channels-exceeded",
      detail: "connection already has 2 channels",
    });
  });

  it("refuses a nominal hash rate that is negative or not a number", () => {
    for (const nominalHashRate of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(decideChannelOpen({ ...standard, nominalHashRate }, policy, context)).toMatchObject({
        open: false,
        errorCode: "invalid-nominal-hashrate",
      });
    }
  });

  it("fail_closed refuses channels without a fresh template; fail_open opens them", () => {
    const none = decideChannelOpen(standard, policy, { ...context, templateAgeMs: undefined });
    expect(none).toMatchObject({
      open: false,
      reason: "upstream_unavailable",
      errorCode: "upstream-unavailable",
      detail: "no template yet",
    });
    const old = decideChannelOpen(standard, policy, { ...context, templateAgeMs: 30_001 });
    expect(old).toMatchObject({ open: false, reason: "upstream_unavailable" });
    expect(decideChannelOpen(standard, policy, { ...context, templateAgeMs: 30_000 })).toMatchObject({ open: true });
    const open = { ...policy, upstream_failure_policy: "fail_open" as const };
    expect(decideChannelOpen(standard, open, { ...context, templateAgeMs: undefined })).toMatchObject({ open: true });
  });
});
