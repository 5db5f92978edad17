import { STR0_255, U8, U16, U32 } from "../binary/types.js";
import { defineMessage } from "./define.js";

/** SetupConnection.protocol values. */
export const Protocol = { mining: 0, jobDeclaration: 1, templateDistribution: 2 } as const;

/** Mining-protocol SetupConnection flags (client) and SetupConnection.Success flags (server). */
export const SetupConnectionFlags = {
  requiresStandardJobs: 1 << 0,
  requiresWorkSelection: 1 << 1,
  requiresVersionRolling: 1 << 2,
} as const;
export const SetupConnectionSuccessFlags = { requiresFixedVersion: 1 << 0, requiresExtendedChannels: 1 << 1 } as const;

export const SetupConnection = defineMessage("SetupConnection", 0x00, false, {
  protocol: U8,
  minVersion: U16,
  maxVersion: U16,
  flags: U32,
  endpointHost: STR0_255,
  endpointPort: U16,
  vendor: STR0_255,
  hardwareVersion: STR0_255,
  firmware: STR0_255,
  deviceId: STR0_255,
});

export const SetupConnectionSuccess = defineMessage("SetupConnectionSuccess", 0x01, false, { usedVersion: U16, flags: U32 });

export const SetupConnectionError = defineMessage("SetupConnectionError", 0x02, false, { flags: U32, errorCode: STR0_255 });

export const ChannelEndpointChanged = defineMessage("ChannelEndpointChanged", 0x03, true, { channelId: U32 });

export const Reconnect = defineMessage("Reconnect", 0x04, false, { newHost: STR0_255, newPort: U16 });

export const commonMessages = [SetupConnection, SetupConnectionSuccess, SetupConnectionError, ChannelEndpointChanged, Reconnect] as const;
