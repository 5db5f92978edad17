// Mining helpers on the edge's test miner: hashes the edge must accept or reject, the header a
// share hashes, and one accepted share (a block at regtest difficulty) with the tip it moves.
import { hashToDisplay, sha256d } from "@gatehouse/bitcoin";
import { headerFor } from "@gatehouse/loadgen";
import { eventIdOf, shareIdOf } from "@gatehouse/shares";
import { type TestMiner, type TestShare, waitFor } from "@gatehouse/testkit";

/** The 80-byte header a share hashes, on the miner's current tip and the job it names (default the active one). */
export function headerOf(m: TestMiner, share: TestShare, job = m.job): Uint8Array {
  const work = m.work?.work(job);
  if (!work) throw new Error("no work");
  const header = headerFor({ tip: work.tip, merkleRoot: work.merkleRoot, version: share.version, ntime: share.ntime });
  header.writeUInt32LE(share.nonce >>> 0, 76);
  return header;
}

/** A hash the edge must accept on the miner's current work (job and channel targets both met). */
export const good = (m: TestMiner) => {
  const target = m.work?.work()?.shareTarget as bigint;
  return (hash: bigint) => hash <= target;
};
/**
 * A hash above every target the edge could hold the current job to, the network's included (at
 * regtest a hash meeting the network target is a block, accepted whatever the channel target).
 */
export const weak = (m: TestMiner) => {
  const work = m.work?.work();
  const target = [work?.missTarget as bigint, work?.tip.networkTarget as bigint].reduce((a, b) => (a > b ? a : b));
  return (hash: bigint) => hash > target;
};
export const tipOf = (m: TestMiner) => hashToDisplay(m.tip?.prevHash as Uint8Array);

export interface SubmittedShare {
  header: Uint8Array;
  eventId: string;
  /** The block it makes, display hex (every good share at regtest difficulty is one). */
  blockHash: string;
}

/**
 * Mines a good share on the miner's current job and submits it. When the tip moved in between, the
 * edge answers stale-share as it would to any miner, and this mines again on the new tip; any
 * other rejection fails the test.
 */
export async function submitGoodShare(m: TestMiner, worker: string): Promise<SubmittedShare> {
  for (let attempt = 1; ; attempt++) {
    const tip = tipOf(m);
    const share = m.mine(good(m));
    const header = headerOf(m, share);
    const answer = await m.submit(share);
    if (answer.ok) return { header, eventId: eventIdOf(shareIdOf(header), worker, "full"), blockHash: hashToDisplay(sha256d(header)) };
    // The edge sends the new tip before the rejection, so a moved tip is already visible here.
    const excused = answer.error.errorCode === "stale-share" && tipOf(m) !== tip;
    if (!excused || attempt === 3) throw new Error(`share ${share.sequenceNumber} rejected: ${answer.error.errorCode}`);
  }
}

/**
 * One accepted share. At regtest difficulty it is also a block, so the tip then moves: this waits
 * for the new tip, so the next share is mined on it.
 */
export async function acceptedShare(m: TestMiner, worker: string): Promise<SubmittedShare> {
  const submitted = await submitGoodShare(m, worker);
  const minedOn = hashToDisplay(submitted.header.subarray(4, 36));
  await waitFor(() => tipOf(m) !== minedOn, { timeoutMs: 15_000, description: "the tip after our block" });
  return submitted;
}
