import { hashToDisplay, u256ToLE } from "@gatehouse/bitcoin";
import { type Bus, createMessage, messageToBinary } from "@gatehouse/bus";
import {
  BlockFoundSchema,
  EdgeEventType,
  GatewayReason,
  type ShareAccepted,
  ShareAcceptedSchema,
  Sv2Response,
  type TemplateProposal,
  ValidationLevel,
} from "@gatehouse/proto/mining/v1";
import type { Logger } from "@gatehouse/service";
import { eventIdOf, publishAcceptedShare, shareIdOf } from "@gatehouse/shares";
import type { EventInit } from "../ops/event-log.js";
import type { EffectiveMode } from "../templates/book.js";
import { type CoinbaseParts, fullCoinbase } from "../templates/coinbase.js";

export interface AcceptedShare {
  header: Uint8Array;
  /** sha256d(header), raw order. */
  hash: Uint8Array;
  workerId: string;
  poolAccountId: string;
  validationLevel: ValidationLevel;
  channelId: number;
  sequenceNumber: number;
  jobId: number;
  template: TemplateProposal;
  difficulty: number;
  channelTarget: bigint;
  receivedAtMs: number;
  connectionId: bigint;
  isBlock: boolean;
  /** Meets the job's target. False only for a block on a network easier than the channel: submitted, never credited. */
  credited: boolean;
  coinbase: CoinbaseParts | undefined;
  extranoncePrefix: Uint8Array;
  mode: EffectiveMode;
}

export interface StoredShare {
  /** not_credited: only the block was stored (the hash missed the job's target). */
  outcome: "queued" | "duplicate" | "dropped" | "not_credited";
  /** The EdgeEvent to record once the miner is answered (share_accepted, or block_found when not credited). */
  event: EventInit;
  /** The event's ShareAccepted as serialized for SHARES, for the EdgeEvent to embed without encoding it again. */
  encodedShare: Uint8Array;
}

export interface ShareSink {
  publish(share: AcceptedShare): Promise<StoredShare>;
}

/**
 * Accepted shares into the SHARES stream through libs/shares (Nats-Msg-Id = event_id, so a retry
 * never doubles a share) and found blocks into the BLOCKS stream (Nats-Msg-Id = block hash): the
 * header, the full coinbase and the template's transactions reference, from which the verifier
 * assembles the block (the edge never holds a template's transactions).
 */
export class BusShareSink implements ShareSink {
  constructor(
    private readonly bus: Bus,
    private readonly streams: { shares: string; blocks: string },
    private readonly instanceId: string,
    private readonly feeTier: string,
    private readonly logger: Logger,
    private readonly onBlock: (hashDisplay: string, height: number) => void,
  ) {}

  async publish(share: AcceptedShare): Promise<StoredShare> {
    const shareId = shareIdOf(share.header);
    const level = ValidationLevel[share.validationLevel];
    const eventId = eventIdOf(shareId, share.workerId, level);
    const t = share.template;
    const header = new DataView(share.header.buffer, share.header.byteOffset, share.header.byteLength);
    const message = createMessage(ShareAcceptedSchema, {
      shareId,
      eventId,
      channelId: share.channelId,
      jobId: share.jobId,
      workerId: share.workerId,
      validationLevel: share.validationLevel,
      sv2Response: Sv2Response.success,
      feeTier: this.feeTier,
      difficultyTarget: share.difficulty,
      timestampMs: BigInt(share.receivedAtMs),
      gatewayInstanceId: this.instanceId,
      sequenceNumber: share.sequenceNumber,
      templateId: t.templateId,
      blockHeight: t.blockHeight,
      poolAccountId: share.poolAccountId,
      header: share.header,
      version: header.getUint32(0, true),
      prevHash: t.prevHash,
      merkleRoot: hashToDisplay(share.header.subarray(36, 68)),
      ntime: header.getUint32(68, true),
      nbits: header.getUint32(72, true),
      nonce: header.getUint32(76, true),
      channelTarget: u256ToLE(share.channelTarget),
      isBlock: share.isBlock,
      connectionId: share.connectionId,
    });
    const encodedShare = messageToBinary(ShareAcceptedSchema, message);
    if (share.isBlock) await this.#publishBlock(share, message);
    if (!share.credited) {
      return {
        outcome: "not_credited",
        encodedShare,
        event: {
          type: EdgeEventType.block_found,
          reasonCode: GatewayReason.share_difficulty_below_target,
          workerId: share.workerId,
          channelId: share.channelId,
          jobId: share.jobId,
          detail: { case: "share", value: message },
        },
      };
    }
    // A full queue (drop_new) records the share's one forward result itself and says "dropped".
    const outcome = await publishAcceptedShare(this.bus, message, {
      sharesStream: this.streams.shares,
      instanceId: this.instanceId,
      encoded: encodedShare,
    });
    return {
      outcome,
      encodedShare,
      event: {
        eventId,
        type: EdgeEventType.share_accepted,
        reasonCode: GatewayReason.GATEWAY_REASON_UNSPECIFIED,
        workerId: share.workerId,
        channelId: share.channelId,
        jobId: share.jobId,
        detail: { case: "share", value: message },
      },
    };
  }

  async #publishBlock(share: AcceptedShare, accepted: ShareAccepted): Promise<void> {
    const blockHash = hashToDisplay(share.hash);
    const t = share.template;
    this.logger.warn({ blockHash, height: t.blockHeight, worker: share.workerId, templateId: String(t.templateId) }, "BLOCK FOUND");
    this.onBlock(blockHash, t.blockHeight);
    await this.bus.publishDurable(
      this.bus.subjects.blockFound,
      BlockFoundSchema,
      {
        blockHash,
        blockHeight: t.blockHeight,
        templateId: t.templateId,
        source: t.source,
        sourceInstanceId: t.sourceInstanceId,
        transactionsRef: t.transactionsRef,
        header: share.header,
        coinbaseTx: share.coinbase ? fullCoinbase(share.coinbase, share.extranoncePrefix) : new Uint8Array(0),
        version: accepted.version,
        ntime: accepted.ntime,
        nonce: accepted.nonce,
        shareId: accepted.shareId,
        eventId: accepted.eventId,
        workerId: share.workerId,
        channelId: share.channelId,
        gatewayInstanceId: this.instanceId,
        foundAtUnixMs: BigInt(share.receivedAtMs),
      },
      { msgId: blockHash, expectStream: this.streams.blocks },
    );
  }
}
