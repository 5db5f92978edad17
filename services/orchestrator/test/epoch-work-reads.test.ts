// An epoch's works each ask whether they are registered before registering (the contract keeps no
// dedup) and after: the orchestrator reads the epoch's whole work list once, not once per work
// (O(works²) per epoch), and still registers each work exactly once, a work someone else already
// registered included. Against anvil behind a JSON-RPC proxy that counts the calls.

import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { type Hex, toFunctionSelector } from "viem";
import { rewardsDistributorAbi } from "../src/chain/abi.js";
import { AGENTS, chainClients, dataHash, gateway, SIGNER_KEYS, sendDirect, startOrchestrator, useTestEnv } from "./harness.js";
import { type RangeLimitedRpc, rangeLimitedRpc } from "./range-limited-rpc.js";

const env = useTestEnv("orchepoch");
const EPOCH = 11n;
const WORKS = 12;
const GET_EPOCH_WORK = toFunctionSelector("getEpochWork(address,uint64)");
let rpc: RangeLimitedRpc;

beforeAll(async () => {
  rpc = await rangeLimitedRpc(env().anvil.rpcUrl, 10_000n);
});

afterAll(() => rpc.close());

describe("an epoch of many works", () => {
  it("reads the epoch's work list once and registers every work exactly once", async () => {
    const { deployment } = env();
    const studio = deployment.studioProxy;
    // Registered before the orchestrator starts: one by someone else that a workflow then submits, two unrelated.
    const preRegistered = dataHash("epoch-reads-pre");
    for (const hash of [preRegistered, dataHash("epoch-reads-other-1"), dataHash("epoch-reads-other-2")]) {
      await sendDirect(env(), SIGNER_KEYS[0] as Hex, deployment.rewardsDistributor, rewardsDistributorAbi, "registerWork", [
        studio,
        EPOCH,
        hash,
      ]);
    }

    const proc = await startOrchestrator(env(), { chain: { rpc_url: rpc.url } });
    const client = gateway(proc);
    const works = [preRegistered, ...Array.from({ length: WORKS - 1 }, (_, i) => dataHash(`epoch-reads-${i}`))];
    const started = await Promise.all(
      works.map((hash, i) => {
        const agent = AGENTS[1 + (i % 3)] as string;
        return client.submitWork(studio, Number(EPOCH), agent, hash, dataHash("t"), dataHash("e"), `evidence ${i}`, agent);
      }),
    );
    const done = await Promise.all(started.map((wf) => client.waitForCompletion(wf.workflowId, { maxWait: 60_000 })));
    expect(done.map((wf) => wf.rawProgress.register_confirmed)).toEqual(works.map(() => true));

    const { public: chain } = chainClients(env());
    const list = await chain.readContract({
      address: deployment.rewardsDistributor,
      abi: rewardsDistributorAbi,
      functionName: "getEpochWork",
      args: [studio, EPOCH],
    });
    // Each work once: the one registered before included, the two unrelated ones untouched.
    expect([...list].sort()).toEqual([...works, dataHash("epoch-reads-other-1"), dataHash("epoch-reads-other-2")].sort());
    expect(rpc.ethCalls(GET_EPOCH_WORK)).toBe(1);
  }, 120_000);
});
