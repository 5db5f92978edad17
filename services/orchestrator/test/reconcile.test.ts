// Reconciliation against chain state before every irreversible step: work already on chain or
// already registered is never sent again (the contracts do not dedupe registerWork), nor an
// epoch that is already closed.

import type { ServiceProcess } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Hex } from "viem";
import { rewardsDistributorAbi, studioProxyAbi } from "../src/chain/abi.js";
import {
  AGENTS,
  chainClients,
  dataHash,
  gateway,
  SIGNER_KEYS,
  sendDirect,
  setUp,
  startOrchestrator,
  type TestEnv,
  tearDown,
} from "./harness.js";

let env: TestEnv;
let proc: ServiceProcess;
const [owner, worker, validator] = AGENTS as [string, string, string];
const roots = [dataHash("t"), dataHash("e")] as const;

beforeAll(async () => {
  env = await setUp("orchrec");
  proc = await startOrchestrator(env);
}, 60_000);

afterAll(() => tearDown(env), 30_000);

const submitWorkAs = (key: Hex, hash: Hex) =>
  sendDirect(env, key, env.deployment.studioProxy, studioProxyAbi, "submitWork", [hash, roots[0], roots[1], "0x"]);
const registerWorkDirect = (hash: Hex, epoch: bigint) =>
  sendDirect(env, SIGNER_KEYS[0] as Hex, env.deployment.rewardsDistributor, rewardsDistributorAbi, "registerWork", [
    env.deployment.studioProxy,
    epoch,
    hash,
  ]);

/** Transactions sent by anyone since `from` (blocks are automined, one tx each). */
async function txCountSince(from: bigint): Promise<number> {
  const { public: client } = chainClients(env);
  return Number((await client.getBlockNumber({ cacheTime: 0 })) - from);
}

describe("reconciliation", () => {
  it("completes without sending anything when the work is already submitted and registered", async () => {
    const hash = dataHash("seeded-full");
    await submitWorkAs(SIGNER_KEYS[1] as Hex, hash);
    await registerWorkDirect(hash, 4n);
    const { public: client } = chainClients(env);
    const before = await client.getBlockNumber({ cacheTime: 0 });
    const wf = await gateway(proc).submitWork(env.deployment.studioProxy, 4, worker, hash, roots[0], roots[1], "x", worker);
    const done = await gateway(proc).waitForCompletion(wf.workflowId);
    expect(done.rawProgress.onchain_tx_hash).toBeUndefined();
    expect(await txCountSince(before)).toBe(0);
  });

  it("skips to REGISTER_WORK when submitWork is already on chain: only registerWork is sent", async () => {
    const hash = dataHash("seeded-submit");
    await submitWorkAs(SIGNER_KEYS[1] as Hex, hash);
    const { public: client } = chainClients(env);
    const before = await client.getBlockNumber({ cacheTime: 0 });
    const wf = await gateway(proc).submitWork(env.deployment.studioProxy, 4, worker, hash, roots[0], roots[1], "x", worker);
    const done = await gateway(proc).waitForCompletion(wf.workflowId);
    expect(done.rawProgress.register_tx_hash).toMatch(/^0x/);
    expect(done.rawProgress.onchain_tx_hash).toBeUndefined();
    expect(await txCountSince(before)).toBe(1);
  });

  it("fails ALREADY_SUBMITTED when another signer submitted the work", async () => {
    const hash = dataHash("seeded-other");
    await submitWorkAs(SIGNER_KEYS[2] as Hex, hash);
    const wf = await gateway(proc).submitWork(env.deployment.studioProxy, 4, worker, hash, roots[0], roots[1], "x", worker);
    await expect(gateway(proc).waitForCompletion(wf.workflowId)).rejects.toThrow(/was submitted by/);
    expect((await gateway(proc).getWorkflow(wf.workflowId)).error?.code).toBe("ALREADY_SUBMITTED");
  });

  it("never closes an epoch twice: an epoch closed on chain completes with already_closed and no transaction", async () => {
    const hash = dataHash("seeded-close");
    await submitWorkAs(SIGNER_KEYS[1] as Hex, hash);
    await registerWorkDirect(hash, 5n);
    await sendDirect(env, SIGNER_KEYS[0] as Hex, env.deployment.rewardsDistributor, rewardsDistributorAbi, "registerValidator", [
      hash,
      validator,
    ]);
    await sendDirect(env, SIGNER_KEYS[0] as Hex, env.deployment.rewardsDistributor, rewardsDistributorAbi, "closeEpoch", [
      env.deployment.studioProxy,
      5n,
    ]);
    const { public: client } = chainClients(env);
    const before = await client.getBlockNumber({ cacheTime: 0 });
    const wf = await gateway(proc).closeEpoch(env.deployment.studioProxy, 5, owner);
    const done = await gateway(proc).waitForCompletion(wf.workflowId);
    expect(done.rawProgress.already_closed).toBe(true);
    expect(await txCountSince(before)).toBe(0);
  });
});
