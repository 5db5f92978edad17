// The workflow store loses its last writes (restored to a copy taken before them, as a primary
// that lost un-fsynced commits or a failover to a replica that had not received them would)
// while the chain already holds the transactions those writes recorded: the orchestrator
// reconciles with the chain and sends no transaction twice.

import { waitFor } from "@gatehouse/testkit";
import { describe, expect, it } from "@jest/globals";
import type { Hex } from "viem";
import {
  AGENTS,
  chainClients,
  dataHash,
  FAST_TAKEOVER,
  gateway,
  minedTransactions,
  SUBMIT_WORK,
  snapshotStore,
  startOrchestrator,
  storedState,
  storedTx,
  submitDkgWork,
  useTestEnv,
  workTransactions,
} from "./harness.js";

const env = useTestEnv("orchloss", { perTest: true });
const worker = AGENTS[1] as string;

/** A work submission recorded in the store by a replica that died before running it. */
async function createdButNotRun(label: string): Promise<{ id: string; hash: Hex }> {
  const dying = await startOrchestrator(env(), { ...FAST_TAKEOVER, crash_points: ["created"] });
  const created = await submitDkgWork(env(), dying, label, worker);
  expect((await dying.exited).signal).toBe("SIGKILL");
  return { id: created.workflowId, hash: dataHash(label) };
}

/** Every transaction the chain mined, and that each one succeeded (a duplicate would revert). */
async function minedOnce(hash: Hex): Promise<void> {
  const { public: chain } = chainClients(env());
  const { submits, registers } = await workTransactions(env(), hash);
  expect(submits).toHaveLength(1);
  expect(registers).toHaveLength(1);
  for (const tx of await minedTransactions(env())) {
    expect((await chain.getTransactionReceipt({ hash: tx.hash })).status).toBe("success");
  }
}

describe("the workflow store loses its last writes", () => {
  it("after the chain mined them: the restarted orchestrator reconciles and sends nothing again", async () => {
    const lost = await createdButNotRun("lost-mined");
    const restore = await snapshotStore(env());

    // Everything after the copy: the work completes on chain, and a second one too.
    const before = await startOrchestrator(env(), FAST_TAKEOVER);
    await gateway(before).waitForCompletion(lost.id, { maxWait: 30_000 });
    const second = await submitDkgWork(env(), before, "lost-second", worker, "e");
    await gateway(before).waitForCompletion(second.workflowId, { maxWait: 30_000 });
    await before.stop("SIGKILL");

    await restore();
    expect(await storedState(env(), lost.id)).toBe("CREATED");
    expect(await storedState(env(), second.workflowId)).toBeUndefined();

    const after = await startOrchestrator(env(), FAST_TAKEOVER);
    const done = await gateway(after).waitForCompletion(lost.id, { maxWait: 30_000 });
    expect(done.state).toBe("COMPLETED");
    expect(after.lines.some((l) => l.msg === "reconciled against chain state" && l.workflowId === lost.id)).toBe(true);
    // The signer's nonce record was lost too: the next work still gets the next free nonce.
    const third = await submitDkgWork(env(), after, "lost-third", worker, "e");
    await gateway(after).waitForCompletion(third.workflowId, { maxWait: 30_000 });
    await after.stop("SIGTERM");

    for (const hash of [lost.hash, dataHash("lost-second"), dataHash("lost-third")]) await minedOnce(hash);
  }, 120_000);

  it("while the transaction is still in the pool: the orchestrator waits for it instead of signing over it", async () => {
    const lost = await createdButNotRun("lost-pending");
    const restore = await snapshotStore(env());
    const { public: chain } = chainClients(env());

    await env().anvil.rpc("evm_setAutomine", [false]);
    const before = await startOrchestrator(env(), FAST_TAKEOVER);
    const sent = await waitFor(async () => (await storedTx(env(), `${lost.id}:SUBMIT_WORK_ONCHAIN`))?.hashes[0], {
      description: "submitWork signed and persisted",
      timeoutMs: 30_000,
    });
    await waitFor(async () => (await chain.getTransaction({ hash: sent }).catch(() => undefined)) !== undefined, {
      description: "submitWork in the pool",
    });
    await before.stop("SIGKILL");

    await restore();
    expect(await storedTx(env(), `${lost.id}:SUBMIT_WORK_ONCHAIN`)).toBeUndefined();

    const after = await startOrchestrator(env(), FAST_TAKEOVER);
    await waitFor(
      async () => after.lines.some((l) => l.msg === "unrecorded pending transactions: waiting for them to be mined before signing"),
      {
        description: "the orchestrator sees the pending transaction it has no record of",
        timeoutMs: 30_000,
      },
    );
    const [latest, pending] = await Promise.all([
      chain.getTransactionCount({ address: worker as Hex, blockTag: "latest" }),
      chain.getTransactionCount({ address: worker as Hex, blockTag: "pending" }),
    ]);
    expect(pending).toBe(latest + 1);

    await env().anvil.rpc("evm_setAutomine", [true]);
    await env().anvil.rpc("evm_mine", []);
    const done = await gateway(after).waitForCompletion(lost.id, { maxWait: 30_000 });
    expect(done.state).toBe("COMPLETED");
    await after.stop("SIGTERM");

    await minedOnce(lost.hash);
    const submitted = (await minedTransactions(env())).find(
      (tx) => tx.input.startsWith(SUBMIT_WORK) && tx.input.includes(lost.hash.slice(2)),
    );
    expect(submitted?.hash).toBe(sent);
  }, 120_000);
});
