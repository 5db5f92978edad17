import { B0_32, B0_64K, B0_255, BOOL, F32, OPTION, SEQ0_64K, SEQ0_255, STR0_255, U16, U32, U64, U256 } from "../binary/types.js";
import { defineMessage } from "./define.js";

const openChannel = { requestId: U32, userIdentity: STR0_255, nominalHashRate: F32, maxTarget: U256 };
const submitShares = { channelId: U32, sequenceNumber: U32, jobId: U32, nonce: U32, ntime: U32, version: U32 };

export const OpenStandardMiningChannel = defineMessage("OpenStandardMiningChannel", 0x10, false, openChannel);

export const OpenStandardMiningChannelSuccess = defineMessage("OpenStandardMiningChannelSuccess", 0x11, false, {
  requestId: U32,
  channelId: U32,
  target: U256,
  extranoncePrefix: B0_32,
  groupChannelId: U32,
});

export const OpenMiningChannelError = defineMessage("OpenMiningChannelError", 0x12, false, { requestId: U32, errorCode: STR0_255 });

export const OpenExtendedMiningChannel = defineMessage("OpenExtendedMiningChannel", 0x13, false, {
  ...openChannel,
  minExtranonceSize: U16,
});

export const OpenExtendedMiningChannelSuccess = defineMessage("OpenExtendedMiningChannelSuccess", 0x14, false, {
  requestId: U32,
  channelId: U32,
  target: U256,
  extranonceSize: U16,
  extranoncePrefix: B0_32,
  groupChannelId: U32,
});

/** min_ntime absent = future job, activated by a SetNewPrevHash naming its job_id. */
export const NewMiningJob = defineMessage("NewMiningJob", 0x15, true, {
  channelId: U32,
  jobId: U32,
  minNtime: OPTION(U32),
  version: U32,
  merkleRoot: U256,
});

export const UpdateChannel = defineMessage("UpdateChannel", 0x16, true, { channelId: U32, nominalHashRate: F32, maximumTarget: U256 });

export const UpdateChannelError = defineMessage("UpdateChannelError", 0x17, true, { channelId: U32, errorCode: STR0_255 });

export const CloseChannel = defineMessage("CloseChannel", 0x18, true, { channelId: U32, reasonCode: STR0_255 });

export const SetExtranoncePrefix = defineMessage("SetExtranoncePrefix", 0x19, true, { channelId: U32, extranoncePrefix: B0_32 });

export const SubmitSharesStandard = defineMessage("SubmitSharesStandard", 0x1a, true, submitShares);

export const SubmitSharesExtended = defineMessage("SubmitSharesExtended", 0x1b, true, { ...submitShares, extranonce: B0_32 });

export const SubmitSharesSuccess = defineMessage("SubmitSharesSuccess", 0x1c, true, {
  channelId: U32,
  lastSequenceNumber: U32,
  newSubmitsAcceptedCount: U32,
  newSharesSum: U64,
});

export const SubmitSharesError = defineMessage("SubmitSharesError", 0x1d, true, {
  channelId: U32,
  sequenceNumber: U32,
  errorCode: STR0_255,
});

export const NewExtendedMiningJob = defineMessage("NewExtendedMiningJob", 0x1f, true, {
  channelId: U32,
  jobId: U32,
  minNtime: OPTION(U32),
  version: U32,
  versionRollingAllowed: BOOL,
  merklePath: SEQ0_255(U256),
  coinbaseTxPrefix: B0_64K,
  coinbaseTxSuffix: B0_64K,
});

export const SetNewPrevHash = defineMessage("SetNewPrevHash", 0x20, true, {
  channelId: U32,
  jobId: U32,
  prevHash: U256,
  minNtime: U32,
  nbits: U32,
});

export const SetTarget = defineMessage("SetTarget", 0x21, true, { channelId: U32, maximumTarget: U256 });

export const SetCustomMiningJob = defineMessage("SetCustomMiningJob", 0x22, true, {
  channelId: U32,
  requestId: U32,
  miningJobToken: B0_255,
  version: U32,
  prevHash: U256,
  minNtime: U32,
  nbits: U32,
  coinbaseTxVersion: U32,
  coinbasePrefix: B0_255,
  coinbaseTxInputNSequence: U32,
  coinbaseTxOutputs: B0_64K,
  coinbaseTxLocktime: U32,
  merklePath: SEQ0_255(U256),
});

export const SetCustomMiningJobSuccess = defineMessage("SetCustomMiningJobSuccess", 0x23, true, {
  channelId: U32,
  requestId: U32,
  jobId: U32,
});

export const SetCustomMiningJobError = defineMessage("SetCustomMiningJobError", 0x24, true, {
  channelId: U32,
  requestId: U32,
  errorCode: STR0_255,
});

export const SetGroupChannel = defineMessage("SetGroupChannel", 0x25, false, { groupChannelId: U32, channelIds: SEQ0_64K(U32) });

export const miningMessages = [
  OpenStandardMiningChannel,
  OpenStandardMiningChannelSuccess,
  OpenMiningChannelError,
  OpenExtendedMiningChannel,
  OpenExtendedMiningChannelSuccess,
  NewMiningJob,
  UpdateChannel,
  UpdateChannelError,
  CloseChannel,
  SetExtranoncePrefix,
  SubmitSharesStandard,
  SubmitSharesExtended,
  SubmitSharesSuccess,
  SubmitSharesError,
  NewExtendedMiningJob,
  SetNewPrevHash,
  SetTarget,
  SetCustomMiningJob,
  SetCustomMiningJobSuccess,
  SetCustomMiningJobError,
  SetGroupChannel,
] as const;
