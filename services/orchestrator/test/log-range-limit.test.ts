// Behind a node that refuses eth_getLogs over more than 200 blocks, as hosted nodes do over more
// than their limit (Alchemy 2,000, Infura 10,000; a smaller one keeps the chain short), on a chain
// longer than that: the close-epoch workflow closes the epoch once, walking back range by range to
// the epoch's registrations, and a second close of the same epoch (submitted again once the first
// was pruned) is recognised as already closed without a second closeEpoch transaction.

import { waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { type Hex, numberToHex } from "viem";
import { rewardsDistributorAbi, studioProxyAbi } from "../src/chain/abi.js";
import { AGENTS, chainClients, dataHash, gateway, SIGNER_KEYS, sendDirect, startOrchestrator, storedState, useTestEnv } from "./harness.js";
import { type RangeLimitedRpc, rangeLimitedRpc } from "./range-limited-rpc.js";

const env = useTestEnv("orchrange");
const NODE_LIMIT_BLOCKS = 200n;
const EPOCH = 9n;
const [owner, , validator] = AGENTS as [string, string, string];
let rpc: RangeLimitedRpc;

beforeAll(async () => {
  rpc = await rangeLimitedRpc(env().anvil.rpcUrl, NODE_LIMIT_BLOCKS);
});

afterAll(() => rpc.close());

/** Empty blocks, so that what follows is more than two of the node's ranges away. */
const mine = (blocks: number) => env().anvil.rpc("anvil_mine", [numberToHex(blocks)]);

/** The epoch's EpochClosed logs, read from anvil itself over the blocks since `from`. */
async function epochClosedLogs(from: bigint) {
  const { public: client } = chainClients(env());
  return client.getContractEvents({
    address: env().deployment.rewardsDistributor,
    abi: rewardsDistributorAbi,
    eventName: "EpochClosed",
    args: { studio: env().deployment.studioProxy, epoch: EPOCH },
    fromBlock: from,
    toBlock: "latest",
  });
}

describe("a node that limits eth_getLogs to 200 blocks", () => {
  it("closes an epoch once and recognises a second close of it as already closed", async () => {
    const { deployment } = env();
    const { public: client } = chainClients(env());
    const hash = dataHash("range-limited");
    await mine(300);
    const seeded = await sendDirect(env(), SIGNER_KEYS[1] as Hex, deployment.studioProxy, studioProxyAbi, "submitWork", [
      hash,
      dataHash("t"),
      dataHash("e"),
      "0x",
    ]);
    await sendDirect(env(), SIGNER_KEYS[0] as Hex, deployment.rewardsDistributor, rewardsDistributorAbi, "registerWork", [
      deployment.studioProxy,
      EPOCH,
      hash,
    ]);
    await sendDirect(env(), SIGNER_KEYS[0] as Hex, deployment.rewardsDistributor, rewardsDistributorAbi, "registerValidator", [
      hash,
      validator,
    ]);
    await mine(500);

    const proc = await startOrchestrator(env(), {
      chain: { rpc_url: rpc.url, max_log_range_blocks: Number(NODE_LIMIT_BLOCKS) },
      store: { retention_days: 1 / 86_400, prune_interval_ms: 200 },
    });
    const first = await gateway(proc).closeEpoch(deployment.studioProxy, Number(EPOCH), owner);
    const closed = await gateway(proc).waitForCompletion(first.workflowId, { maxWait: 30_000 });
    expect(closed.rawProgress.close_confirmed).toBe(true);
    expect(closed.rawProgress.already_closed).toBeUndefined();
    const logs = await epochClosedLogs(seeded.blockNumber);
    expect(logs.map((log) => log.transactionHash)).toEqual([closed.rawProgress.close_tx_hash]);

    // The close falls more than two ranges behind the head; the first workflow is pruned, so the
    // same close submitted again is a new workflow that must find the epoch closed on chain.
    await mine(500);
    await waitFor(async () => (await storedState(env(), first.workflowId)) === undefined, { description: "pruned", timeoutMs: 20_000 });
    const before = await client.getBlockNumber({ cacheTime: 0 });
    const second = await gateway(proc).closeEpoch(deployment.studioProxy, Number(EPOCH), owner);
    expect(second.workflowId).not.toBe(first.workflowId);
    const again = await gateway(proc).waitForCompletion(second.workflowId, { maxWait: 30_000 });
    expect(again.rawProgress.already_closed).toBe(true);
    expect(again.rawProgress.close_tx_hash).toBe(closed.rawProgress.close_tx_hash);
    expect(await client.getBlockNumber({ cacheTime: 0 })).toBe(before);
    expect(await epochClosedLogs(seeded.blockNumber)).toHaveLength(1);

    // No query the node refused, none wider than it allows.
    expect(rpc.refused).toBe(0);
    expect(rpc.widestPassed).toBeGreaterThan(0n);
    expect(rpc.widestPassed).toBeLessThanOrEqual(NODE_LIMIT_BLOCKS);
  }, 120_000);
});
