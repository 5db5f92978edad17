// Journey: mainnet-size templates. bcoin's mempool is filled with more than a block of standard
// transactions (thousands, over 1.5 MB), so its templates weigh 4 M and carry more than NATS's
// default 1 MiB max_payload: the proposal still reaches the edge (the transactions go through the
// object store), a miner mines on it, and the block is assembled by the verifier and submitted whole.
import { fromHex, parseBlock } from "@gatehouse/bitcoin";
import {
  BlockFoundSchema,
  BlockResultSchema,
  BlockStatus,
  type TemplateProposal,
  TemplateProposalSchema,
} from "@gatehouse/proto/mining/v1";
import { waitFor } from "@gatehouse/testkit";
import { describe, expect, it } from "@jest/globals";
import { type E2E, withoutLoadGenerators } from "../support/context.js";
import { submitGoodShare } from "../support/mining.js";
import { catalogOf, readStream } from "../support/stack.js";

const MIB = 1024 * 1024;

export function fullBlocksJourney(e2e: () => E2E): void {
  describe("journey: mainnet-size templates", () => {
    withoutLoadGenerators(e2e);

    it("a template over 1 MiB reaches a miner's job, and the block found on it is submitted whole and lands in the active chain", async () => {
      const { stack, bus } = e2e();
      const maxPayload = bus.nc.info?.max_payload ?? 0;
      const filled = await stack.bcoin.rpc<{ transactions: number; bytes: number }>("gh_fillmempool", [1_600_000], 300_000);
      expect(filled.bytes).toBeGreaterThanOrEqual(1_600_000);
      const tip = await stack.bcoin.rpc<string>("getbestblockhash");
      const catalog = catalogOf(stack);
      const proposals = async () =>
        (await readStream(bus, catalog.TEMPLATES.name, bus.subjects.templateProposed, TemplateProposalSchema)).map((m) => m.message);
      // A full block: 4 M weight (the fill leaves more than a block waiting), more bytes than max_payload.
      const isFull = (p: TemplateProposal) =>
        (p.templateWeight ?? 0n) > 3_900_000n && (p.transactionsRef?.sizeBytes ?? 0n) > BigInt(Math.max(MIB, maxPayload));
      const big = await waitFor(async () => (await proposals()).find((p) => p.prevHash === tip && isFull(p)), {
        timeoutMs: 120_000,
        intervalMs: 500,
        description: "a 4 M-weight proposal naming more transaction bytes than the server's max_payload",
      });
      expect(big.txCount).toBeGreaterThan(2_000);

      const worker = "dev.e2e-full-block";
      const miner = await e2e().miner(worker);
      const { blockHash } = await submitGoodShare(miner, worker);
      // bcoin validates the block's ~2,500 signatures in JavaScript: tens of seconds on a busy machine.
      const result = await waitFor(
        async () =>
          (await readStream(bus, catalog.BLOCKS.name, bus.subjects.blockResult, BlockResultSchema)).find(
            (r) => r.message.blockHash === blockHash,
          ),
        { timeoutMs: 180_000, intervalMs: 250, description: "the block's result" },
      );
      expect(result.message).toMatchObject({ accepted: true, status: BlockStatus.ACTIVE_CHAIN, rejectReason: "" });
      // "duplicate" when the first submitblock outlived its timeout and the redelivery found the block already taken.
      expect(["null", "duplicate"]).toContain(result.message.nodeAnswer);
      const found = (await readStream(bus, catalog.BLOCKS.name, bus.subjects.blockFound, BlockFoundSchema)).find(
        (b) => b.msgId === blockHash,
      );
      // The wallet's payments keep coming, so the miner may be on a newer template of the same tip: also a full one.
      const mined = (await proposals()).find(
        (p) => p.templateId === found?.message.templateId && p.sourceInstanceId === found?.message.sourceInstanceId,
      );
      expect(mined !== undefined && isFull(mined)).toBe(true);

      const raw = fromHex(await stack.bcoin.rpc<string>("getblock", [blockHash, false]));
      expect(raw.length).toBeGreaterThan(MIB);
      expect(parseBlock(raw).transactions).toHaveLength((mined?.txCount ?? 0) + 1);
      expect(await stack.bcoin.rpc<string>("getbestblockhash")).toBe(blockHash);
      process.stdout.write(
        `mainnet-size block ${blockHash}: ${raw.length} bytes, ${mined?.txCount} transactions, server max_payload ${maxPayload}\n`,
      );
    }, 420_000);
  });
}
