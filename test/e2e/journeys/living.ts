// The living stack: the load generators find blocks through the miner edge, bcoin accepts them
// (templates carrying the wallet's fee-paying segwit and legacy payments), and every share the
// edge accepts is forwarded to the pool backend with exactly one result.
import { fromHex, hasWitness, parseBlock } from "@gatehouse/bitcoin";
import { BlockFoundSchema, BlockResultSchema, BlockStatus, ShareForwardResultSchema } from "@gatehouse/proto/mining/v1";
import { waitFor } from "@gatehouse/testkit";
import { describe, expect, it } from "@jest/globals";
import { acceptedAtEdge, type E2E } from "../support/context.js";
import { catalogOf, readStream } from "../support/stack.js";

export function livingStack(e2e: () => E2E): void {
  describe("the living stack", () => {
    it("finds blocks through the miner edge that the node accepts, carrying fee-paying segwit and legacy transactions, and forwards every share", async () => {
      const { stack, bus } = e2e();
      // Two miners finding blocks on the same tip a moment apart give two valid blocks at one height:
      // the node keeps the second as a side branch, and its result says stale, not accepted. Count heights.
      const answers = await waitFor(
        async () => {
          const all = await readStream(bus, catalogOf(stack).BLOCKS.name, bus.subjects.blockResult, BlockResultSchema);
          return new Set(all.filter((r) => r.message.accepted).map((r) => r.message.blockHeight)).size >= 3 ? all : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 500, description: "blocks at three heights found by the load generators and accepted" },
      );
      const activeHeights = new Set(answers.filter((r) => r.message.status === BlockStatus.ACTIVE_CHAIN).map((r) => r.message.blockHeight));
      for (const r of answers) {
        if (r.message.accepted) expect(r.message).toMatchObject({ status: BlockStatus.ACTIVE_CHAIN, rejectReason: "" });
        // A block that is not accepted lost a same-height race, nothing else.
        else expect(r.message.status === BlockStatus.STALE && activeHeights.has(r.message.blockHeight)).toBe(true);
      }
      const heights = answers.map((r) => r.message.blockHeight);
      expect(Math.min(...heights)).toBe(stack.fundedHeight + 1);
      expect(await stack.bcoin.height()).toBeGreaterThanOrEqual(Math.max(...heights));
      for (const r of answers) {
        const header = await stack.bcoin.rpc<{ height: number }>("getblockheader", [r.message.blockHash]);
        expect(header.height).toBe(r.message.blockHeight);
        // Accepted means the node's active chain has it at that height.
        if (r.message.accepted) expect(await stack.bcoin.rpc<string>("getblockhash", [r.message.blockHeight])).toBe(r.message.blockHash);
      }
      // The node's copy of each block (the verifier assembled it from the stored transactions).
      const blockOf = async (hash: string) => parseBlock(fromHex(await stack.bcoin.rpc<string>("getblock", [hash, false])));
      const acceptedNow = async () =>
        new Set(
          (await readStream(bus, catalogOf(stack).BLOCKS.name, bus.subjects.blockResult, BlockResultSchema))
            .filter((r) => r.message.accepted)
            .map((r) => r.message.blockHash),
        );

      // Mined through the edge by both load generators; some carry wallet transactions of both kinds.
      const found = await waitFor(
        async () => {
          const blocks = (await readStream(bus, catalogOf(stack).BLOCKS.name, bus.subjects.blockFound, BlockFoundSchema)).map(
            (b) => b.message,
          );
          const accepted = await acceptedNow();
          let withBoth: { found: (typeof blocks)[number]; block: Awaited<ReturnType<typeof blockOf>> } | undefined;
          for (const found of blocks.filter((b) => accepted.has(b.blockHash))) {
            const block = await blockOf(found.blockHash);
            const txs = block.transactions.slice(1);
            if (txs.some(hasWitness) && txs.some((tx) => !hasWitness(tx))) withBoth = { found, block };
          }
          const finders = new Set(blocks.map((b) => b.workerId.replace(/\.\d+$/, "")));
          return withBoth && finders.size === 2 ? { finders, withBoth } : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 1_000, description: "blocks by both miners, one carrying a segwit and a legacy wallet payment" },
      );
      expect(found.finders).toEqual(new Set(["dev.miner-1", "dev.miner-2"]));
      const coinbase = found.withBoth.block.transactions[0];
      const subsidy = 5_000_000_000n >> BigInt(Math.floor(found.withBoth.found.blockHeight / 150));
      const paid = coinbase?.outputs.reduce((sum, o) => sum + o.value, 0n) ?? 0n;
      expect(paid).toBeGreaterThan(subsidy);

      // Every share the edge accepted so far has exactly one forward result, accepted by the pool backend.
      const shares = await acceptedAtEdge(e2e());
      expect(shares.length).toBeGreaterThanOrEqual(3);
      const results = await waitFor(
        async () => {
          const all = await readStream(bus, catalogOf(stack).SHARE_RESULTS.name, bus.subjects.shareResult, ShareForwardResultSchema);
          const ids = new Set(all.map((r) => r.message.eventId));
          return shares.every((id) => ids.has(id)) ? all : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 250, description: "a forward result for every accepted share" },
      );
      for (const id of shares) {
        const mine = results.filter((r) => r.message.eventId === id);
        expect(mine).toHaveLength(1);
        expect(mine[0]?.message).toMatchObject({ forwarded: true, upstreamAccepted: true });
      }
    }, 200_000);
  });
}
