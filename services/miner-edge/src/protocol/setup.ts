import { type MessageFields, Protocol, SetupConnectionFlags } from "@gatehouse/sv2";

/** The one protocol version spoken (SV2 Mining Protocol version 2). */
export const MINING_PROTOCOL_VERSION = 2;

export type SetupDecision = { ok: true } | { ok: false; errorCode: string; flags: number };

/**
 * Whether a SetupConnection is served: the mining protocol, a version range holding 2, and no
 * work selection (the edge hands out the pool's templates only). A refusal's `flags` name the
 * unsupported feature flags, as SetupConnection.Error does.
 */
export function decideSetup(
  setup: Pick<MessageFields<"SetupConnection">, "protocol" | "minVersion" | "maxVersion" | "flags">,
): SetupDecision {
  if (setup.protocol !== Protocol.mining) return { ok: false, errorCode: "unsupported-protocol", flags: 0 };
  if (setup.minVersion > MINING_PROTOCOL_VERSION || setup.maxVersion < MINING_PROTOCOL_VERSION) {
    return { ok: false, errorCode: "protocol-version-mismatch", flags: 0 };
  }
  if (setup.flags & SetupConnectionFlags.requiresWorkSelection) {
    return { ok: false, errorCode: "unsupported-feature-flags", flags: SetupConnectionFlags.requiresWorkSelection };
  }
  return { ok: true };
}
