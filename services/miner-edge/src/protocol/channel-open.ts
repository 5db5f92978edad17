import { difficultyToTarget, u256FromLE } from "@gatehouse/bitcoin";
import type { GatewayReason } from "@gatehouse/proto/mining/v1";
import type { Config } from "../config.js";
import type { AuthDecision } from "./auth.js";

/** OpenStandardMiningChannel, or OpenExtendedMiningChannel with its `minExtranonceSize`. */
export interface ChannelOpenRequest {
  userIdentity: string;
  nominalHashRate: number;
  /** U256 little-endian: the easiest target the miner accepts. */
  maxTarget: Uint8Array;
  /** Extended channels only: the fewest extranonce bytes the miner can roll. */
  minExtranonceSize?: number;
}

/** The settings that decide it (see config.ts). */
export type ChannelOpenPolicy = Pick<
  Config,
  | "extended_channels_enabled"
  | "max_channels_per_connection"
  | "max_worker_id_bytes"
  | "extended_extranonce_size"
  | "initial_difficulty"
  | "upstream_stale_max_ms"
  | "upstream_failure_policy"
>;

/** What the connection holds when the request arrives. */
export interface ChannelOpenContext {
  /** The authorizer's answer for the request's user_identity. */
  auth: AuthDecision;
  openChannels: number;
  /** How old the newest template is; undefined when there is none yet. */
  templateAgeMs: number | undefined;
}

export type ChannelRefusal = keyof typeof GatewayReason &
  (
    | "extended_channel_unsupported"
    | Extract<AuthDecision, { ok: false }>["reason"]
    | "channel_limit_exceeded"
    | "channel_open_rejected"
    | "upstream_unavailable"
  );

export type ChannelOpenDecision =
  | { open: true; workerId: string; poolAccountId: string; target: bigint; extranonceSize: number }
  /** `errorCode` goes to the miner (OpenMiningChannel.Error), the rest into the channel_rejected event. */
  | { open: false; reason: ChannelRefusal; errorCode: string; detail: string; workerId: string };

/**
 * Whether a channel opens, and on what terms. In order: the channel kind, authorization, the
 * per-connection channel limit, the nominal hash rate, the extranonce size, and (fail_closed) a
 * template fresh enough to mine on. The starting target is initial_difficulty's, capped by the
 * miner's max_target.
 */
export function decideChannelOpen(
  request: ChannelOpenRequest,
  policy: ChannelOpenPolicy,
  context: ChannelOpenContext,
): ChannelOpenDecision {
  const extended = request.minExtranonceSize !== undefined;
  if (extended && !policy.extended_channels_enabled) {
    return refuse("extended_channel_unsupported", "extended-channels-not-supported", "", request.userIdentity.slice(0, 255));
  }
  const workerId = request.userIdentity.slice(0, policy.max_worker_id_bytes);
  const { auth } = context;
  if (!auth.ok) {
    return refuse(auth.reason, auth.reason === "identity_too_long" ? "invalid-user-identity" : "unknown-user", auth.detail, workerId);
  }
  if (context.openChannels >= policy.max_channels_per_connection) {
    return refuse("channel_limit_exceeded", "max-channels-exceeded", `connection already has ${context.openChannels} channels`, workerId);
  }
  if (!Number.isFinite(request.nominalHashRate) || request.nominalHashRate < 0) {
    return refuse("channel_open_rejected", "invalid-nominal-hashrate", `nominal_hash_rate ${request.nominalHashRate}`, workerId);
  }
  const extranonceSize = policy.extended_extranonce_size;
  if (request.minExtranonceSize !== undefined && request.minExtranonceSize > extranonceSize) {
    return refuse(
      "channel_open_rejected",
      "min-extranonce-size-too-large",
      `min_extranonce_size ${request.minExtranonceSize} exceeds extended_extranonce_size ${extranonceSize}`,
      workerId,
    );
  }
  const stale = context.templateAgeMs === undefined || context.templateAgeMs > policy.upstream_stale_max_ms;
  if (stale && policy.upstream_failure_policy === "fail_closed") {
    const detail = context.templateAgeMs === undefined ? "no template yet" : "the newest template is older than upstream_stale_max_ms";
    return refuse("upstream_unavailable", "upstream-unavailable", detail, workerId);
  }
  // The miner's max_target caps the starting difficulty's target.
  let target = difficultyToTarget(policy.initial_difficulty);
  const maxTarget = u256FromLE(request.maxTarget);
  if (maxTarget < target) target = maxTarget;
  return {
    open: true,
    workerId: auth.workerId,
    poolAccountId: auth.poolAccountId,
    target,
    extranonceSize: extended ? extranonceSize : 0,
  };
}

function refuse(reason: ChannelRefusal, errorCode: string, detail: string, workerId: string): ChannelOpenDecision {
  return { open: false, reason, errorCode, detail, workerId };
}
