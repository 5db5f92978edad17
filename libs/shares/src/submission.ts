import { type ShareAccepted, ValidationLevel } from "@gatehouse/proto/mining/v1";

/**
 * The POST body for one share, the share-forwarder → pool-backend contract: the identity, attribution and header fields the pool backend
 * needs to recompute the share's hash and check its difficulty. Serialized once per share; every
 * attempt sends (and signs) these exact bytes.
 */
export function submissionBody(share: ShareAccepted): Buffer {
  return Buffer.from(
    JSON.stringify({
      share_id: share.shareId,
      event_id: share.eventId,
      worker_id: share.workerId,
      validation_level: ValidationLevel[share.validationLevel] ?? "unspecified",
      channel_id: share.channelId,
      job_id: share.jobId,
      sequence_number: share.sequenceNumber,
      template_id: share.templateId.toString(),
      block_height: share.blockHeight,
      pool_account_id: share.poolAccountId,
      fee_tier: share.feeTier,
      difficulty: share.difficultyTarget,
      version: share.version,
      prev_hash: share.prevHash,
      merkle_root: share.merkleRoot,
      ntime: share.ntime,
      nbits: share.nbits,
      nonce: share.nonce,
      timestamp_ms: Number(share.timestampMs),
      gateway_instance_id: share.gatewayInstanceId,
      is_block: share.isBlock,
    }),
    "utf8",
  );
}
