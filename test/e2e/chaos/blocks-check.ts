// The template verifier's share of the mining path: every block found through the edge (BLOCKS
// stream) was submitted to bcoin and has exactly one answer, across the verifier's and NATS's
// kills (its durable consumer redelivers what it had not answered), soon after the block was
// stored, and no answer calls a block rejected that the node has in its chain.
import type { Bus } from "@gatehouse/bus";
import type { Stack } from "@gatehouse/dev";
import { BlockFoundSchema, BlockResultSchema } from "@gatehouse/proto/mining/v1";
import { waitFor } from "@gatehouse/testkit";
import { catalogOf, readStream } from "../support/stack.js";

/**
 * Longest a found block may wait for its answer, from the moment BLOCKS stored it. A block is worth
 * the most while it is new (each second is about 1/600 of a chance that another block wins its
 * height). The slowest legitimate path is a verifier killed holding the block: its 5 s ack wait,
 * then another replica's attempt. Before the BLOCKS consumer's in-progress ack and the object
 * store read's deadline, a killed verifier or a read stalled by the NATS kill held blocks for 30 s.
 */
const BLOCK_ANSWER_BOUND_MS = 20_000;

export interface BlockCounts {
  found: number;
  answered: number;
  acceptedByNode: number;
  /** bcoin's reasons for the others (competing blocks of one height, found before the tip moved). */
  notAccepted: Record<string, number>;
  /** From BLOCKS storing a block to the verifier's answer, the slowest block's. */
  slowestAnswerMs: number;
}

export async function checkBlocks(stack: Stack, bus: Bus): Promise<{ counts: BlockCounts; violations: string[] }> {
  const violations: string[] = [];
  const { name } = catalogOf(stack).BLOCKS;
  // The load still mines while this runs (every share is a block): the blocks are those found
  // before the check began, and the answers to them may still be on their way.
  const found = await readStream(bus, name, bus.subjects.blockFound, BlockFoundSchema);
  const read = async () => {
    const results = await readStream(bus, name, bus.subjects.blockResult, BlockResultSchema);
    const answers = new Map<string, number>();
    for (const { message: r } of results) answers.set(r.blockHash, (answers.get(r.blockHash) ?? 0) + 1);
    return { results, answers, complete: found.every((b) => answers.has(b.message.blockHash)) };
  };
  const { results, answers } = await waitFor(
    async () => {
      const state = await read();
      return state.complete ? state : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500, description: "an answer for every block found" },
  ).catch(() => read());
  const foundHashes = new Set(found.map((b) => b.message.blockHash));
  const answeredAt = new Map(results.map(({ message: r }) => [r.blockHash, Number(r.answeredAtUnixMs)]));
  let slowestAnswerMs = 0;
  for (const { message: b, storedAtMs } of found) {
    const n = answers.get(b.blockHash) ?? 0;
    if (n !== 1) violations.push(`block ${b.blockHash} found by ${b.workerId}: ${n} results`);
    const waitedMs = (answeredAt.get(b.blockHash) ?? Number.NaN) - storedAtMs;
    if (waitedMs > BLOCK_ANSWER_BOUND_MS)
      violations.push(`block ${b.blockHash} answered ${Math.round(waitedMs)} ms after BLOCKS stored it`);
    if (waitedMs > slowestAnswerMs) slowestAnswerMs = Math.round(waitedMs);
  }
  // The node's own view: a block it holds in its active chain was accepted, whatever the answer
  // to a later submission of it said.
  const notAccepted: Record<string, number> = {};
  const ours = results.filter((r) => foundHashes.has(r.message.blockHash));
  for (const { message: r } of ours) {
    if (r.accepted) continue;
    const inChain = await stack.bcoin.rpc<string>("getblockhash", [r.blockHeight]).catch(() => undefined);
    if (inChain === r.blockHash)
      violations.push(`block ${r.blockHash} is in the node's chain at ${r.blockHeight}, its result says rejected: ${r.rejectReason}`);
    const reason = r.rejectReason.replace(/[0-9a-f]{64}/g, "<hash>");
    notAccepted[reason] = (notAccepted[reason] ?? 0) + 1;
  }
  return {
    counts: {
      found: found.length,
      answered: ours.length,
      acceptedByNode: ours.filter((r) => r.message.accepted).length,
      notAccepted,
      slowestAnswerMs,
    },
    violations,
  };
}
