// Journey 2: a block found by a miner is accepted by bcoin, the tip advances, and every connected
// miner receives the new prev hash within the budget.
import { hashFromDisplay, hashToDisplay } from "@gatehouse/bitcoin";
import { BlockFoundSchema, BlockResultSchema } from "@gatehouse/proto/mining/v1";
import type { TestMiner } from "@gatehouse/testkit";
import { waitFor } from "@gatehouse/testkit";
import { describe, expect, it } from "@jest/globals";
import { type E2E, withoutLoadGenerators } from "../support/context.js";
import { submitGoodShare } from "../support/mining.js";
import { catalogOf, readStream } from "../support/stack.js";

export function blocksJourney(e2e: () => E2E): void {
  describe("journey 2: a block found by a miner", () => {
    withoutLoadGenerators(e2e);

    it("is accepted by bcoin, the tip advances, and every connected miner gets the new prev hash within the budget", async () => {
      // The verifier notices a new tip by long-poll, at the latest at its fallback poll; the edge
      // serves it on arrival (observe mode). That poll period is the budget.
      const { stack, bus } = e2e();
      const budgetMs = stack.config("template-verifier").upstream_poll_interval_ms as number;
      const workers = ["dev.e2e-tip-a", "dev.e2e-tip-b", "dev.e2e-tip-c"];
      const finder = (await Promise.all(workers.map((w) => e2e().miner(w))))[0] as TestMiner;
      // Every miner connected to the edge, journey 1's included.
      const connected = [...e2e().miners];
      const { blockHash, header } = await submitGoodShare(finder, workers[0] as string);
      const parent = await stack.bcoin.rpc<{ height: number }>("getblockheader", [hashToDisplay(header.subarray(4, 36))]);
      const height = parent.height;

      const seenAt = new Map<number, number>();
      await waitFor(
        () => {
          connected.forEach((m, i) => {
            if (!seenAt.has(i) && m.received.some((x) => x.type === "SetNewPrevHash" && hashToDisplay(x.message.prevHash) === blockHash))
              seenAt.set(i, Date.now());
          });
          return seenAt.size === connected.length;
        },
        { timeoutMs: 15_000, intervalMs: 2, description: "every miner on the new tip" },
      );

      const catalog = catalogOf(stack);
      // The node's new tip reaches the miners through the verifier's long-poll, which may answer
      // before the verifier that submitted the block has read the chain's answer and stored its result.
      const result = await waitFor(
        async () =>
          (await readStream(bus, catalog.BLOCKS.name, bus.subjects.blockResult, BlockResultSchema)).find(
            (r) => r.message.blockHash === blockHash,
          ),
        { timeoutMs: 15_000, description: "the block's BlockResult stored" },
      );
      expect(result?.message).toMatchObject({ accepted: true, rejectReason: "", blockHeight: height + 1, source: "bitcoind-rpc" });
      const found = (await readStream(bus, catalog.BLOCKS.name, bus.subjects.blockFound, BlockFoundSchema)).find(
        (b) => b.msgId === blockHash,
      );
      expect(found?.message.workerId).toBe(workers[0]);

      expect(await stack.bcoin.rpc<string>("getbestblockhash")).toBe(blockHash);
      expect(await stack.bcoin.height()).toBe(height + 1);
      const answeredAt = Number(result?.message.answeredAtUnixMs);
      const latencies = [...seenAt.values()].map((t) => t - answeredAt);
      process.stdout.write(
        `new prev hash at every miner ${latencies.map((l) => `${l} ms`).join(", ")} after bcoin accepted the block (budget ${budgetMs} ms)\n`,
      );
      for (const latency of latencies) expect(latency).toBeLessThanOrEqual(budgetMs);
      // Every miner switched to the block's hash as its prev hash (internal byte order on the wire).
      for (const m of connected)
        expect(Buffer.from(m.tip?.prevHash as Uint8Array).equals(Buffer.from(hashFromDisplay(blockHash)))).toBe(true);
    }, 60_000);
  });
}
