import type { MessageFields } from "@gatehouse/sv2";
import type { CachedTemplate } from "../templates/book.js";
import { channelCoinbaseParts, channelMerkleRoot } from "../templates/coinbase.js";
import type { MiningChannel } from "./channel.js";

type JobMessage = "NewMiningJob" | "NewExtendedMiningJob" | "SetNewPrevHash";

/** Sends one message to the channel's miner. */
export type JobSender = <N extends JobMessage>(name: N, message: MessageFields<N>) => void;

/**
 * One template as a job on one channel (SV2 Mining Protocol, NewMiningJob / NewExtendedMiningJob):
 * on a new tip a future job then SetNewPrevHash activating it, else an active job. A standard job
 * carries the channel's merkle root; an extended one the coinbase parts and merkle path the miner
 * completes with its extranonce. The channel records each job it is sent.
 */
export function sendChannelJob(channel: MiningChannel, template: CachedTemplate, newTip: boolean, send: JobSender): void {
  const p = template.proposal;
  const minNtime = newTip ? undefined : p.headerTimestamp;
  if (channel.extended) {
    // The miner completes the coinbase with its extranonce, so it gets the parts and the path.
    const parts = channelCoinbaseParts(template, channel);
    const coinbase = { prefix: parts.strippedPrefix, suffix: parts.strippedSuffix, merklePath: p.merklePath };
    const job = channel.addJob({ templateId: p.templateId, version: p.blockVersion, merkleRoot: new Uint8Array(0), coinbase, minNtime });
    send("NewExtendedMiningJob", {
      channelId: channel.channelId,
      jobId: job.jobId,
      minNtime: job.minNtime,
      version: p.blockVersion,
      versionRollingAllowed: true,
      merklePath: p.merklePath,
      coinbaseTxPrefix: coinbase.prefix,
      coinbaseTxSuffix: coinbase.suffix,
    });
    if (newTip) activateOnNewTip(channel, template, job.jobId, send);
    return;
  }
  const merkleRoot = channelMerkleRoot(template.parts, channel.extranoncePrefix, p.merklePath);
  const job = channel.addJob({ templateId: p.templateId, version: p.blockVersion, merkleRoot, minNtime });
  send("NewMiningJob", {
    channelId: channel.channelId,
    jobId: job.jobId,
    minNtime: job.minNtime,
    version: p.blockVersion,
    merkleRoot,
  });
  if (newTip) activateOnNewTip(channel, template, job.jobId, send);
}

function activateOnNewTip(channel: MiningChannel, template: CachedTemplate, jobId: number, send: JobSender): void {
  const p = template.proposal;
  channel.activate(jobId, {
    prevHash: template.prevHash,
    nbits: p.nbits,
    minNtime: p.headerTimestamp,
    networkTarget: template.networkTarget,
    templateId: p.templateId,
    blockHeight: p.blockHeight,
  });
  send("SetNewPrevHash", {
    channelId: channel.channelId,
    jobId,
    prevHash: template.prevHash,
    minNtime: p.headerTimestamp,
    nbits: p.nbits,
  });
}
