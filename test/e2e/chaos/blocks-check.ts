// The template verifier's share of the mining path: every block found through the edge (BLOCKS
// stream) was submitted to bcoin and has exactly one answer, across the verifier's and NATS's
// kills (its durable consumer redelivers what it had not answered), and no answer calls a block
// rejected that the node has in its chain.
import type { Bus } from "@gatehouse/bus";
import type { Stack } from "@gatehouse/dev";
import { BlockFoundSchema, BlockResultSchema } from "@gatehouse/proto/mining/v1";
import { waitFor } from "@gatehouse/testkit";
import { catalogOf, readStream } from "../support/stack.js";

export interface BlockCounts {
  found: number;
  answered: number;
  acceptedByNode: number;
  /** bcoin's reasons for the others (competing blocks of one height, found before the tip moved). */
  notAccepted: Record<string, number>;
}

export async function checkBlocks(stack: Stack, bus: Bus): Promise<{ counts: BlockCounts; violations: string[] }> {
  const violations: string[] = [];
  const { name } = catalogOf(stack).BLOCKS;
  const read = async () => {
    const found = await readStream(bus, name, bus.subjects.blockFound, BlockFoundSchema);
    const results = await readStream(bus, name, bus.subjects.blockResult, BlockResultSchema);
    const answers = new Map<string, number>();
    for (const { message: r } of results) answers.set(r.blockHash, (answers.get(r.blockHash) ?? 0) + 1);
    return { found, results, answers, complete: found.every((b) => answers.has(b.message.blockHash)) };
  };
  // The last blocks of the run may still be on their way to the node.
  const { found, results, answers } = await waitFor(
    async () => {
      const state = await read();
      return state.complete ? state : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500, description: "an answer for every block found" },
  ).catch(() => read());
  for (const { message: b } of found) {
    const n = answers.get(b.blockHash) ?? 0;
    if (n !== 1) violations.push(`block ${b.blockHash} found by ${b.workerId}: ${n} results`);
  }
  // The node's own view: a block it holds in its active chain was accepted, whatever the answer
  // to a later submission of it said.
  const notAccepted: Record<string, number> = {};
  for (const { message: r } of results) {
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
      answered: results.length,
      acceptedByNode: results.filter((r) => r.message.accepted).length,
      notAccepted,
    },
    violations,
  };
}
