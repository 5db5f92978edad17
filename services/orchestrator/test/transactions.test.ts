// One nonce stream per signer: 50 concurrent workflows on one signer (contiguous nonces, no
// nonce error), two replicas on the same workflows (no double execution), a dropped
// transaction re-broadcast and a stuck one replaced with a fee bump on the same nonce.

import { waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Hex } from "viem";
import {
  AGENTS,
  chainClients,
  dataHash,
  gateway,
  minedTransactions,
  REGISTER_WORK,
  SUBMIT_WORK,
  setUp,
  startOrchestrator,
  storedTx,
  type TestEnv,
  tearDown,
} from "./harness.js";

let env: TestEnv;
const [, worker, other] = AGENTS as [string, string, string];

beforeAll(async () => {
  env = await setUp("orchtx");
}, 60_000);

afterAll(() => tearDown(env), 30_000);

const roots = [dataHash("thread"), dataHash("evidence")] as const;

describe("nonce stream", () => {
  it("runs 50 concurrent workflows on one signer with contiguous nonces, on two replicas without double execution", async () => {
    const [a, b] = await Promise.all([startOrchestrator(env), startOrchestrator(env)]);
    const clients = [gateway(a), gateway(b)];
    const hashes = Array.from({ length: 50 }, (_, i) => dataHash(`concurrent-${i}`));
    const started = await Promise.all(
      hashes.map((hash, i) =>
        (clients[i % 2] as ReturnType<typeof gateway>).submitWork(
          env.deployment.studioProxy,
          2,
          worker,
          hash,
          roots[0],
          roots[1],
          `e${i}`,
          worker,
        ),
      ),
    );
    await Promise.all(
      started.map((wf) => (clients[0] as ReturnType<typeof gateway>).waitForCompletion(wf.workflowId, { maxWait: 60_000 })),
    );

    const mined = await minedTransactions(env);
    const fromWorker = mined.filter((tx) => tx.from.toLowerCase() === worker.toLowerCase() && tx.input.startsWith(SUBMIT_WORK));
    expect(fromWorker).toHaveLength(50);
    const nonces = fromWorker.map((tx) => tx.nonce).sort((x, y) => x - y);
    const first = nonces[0] as number;
    expect(nonces).toEqual(Array.from({ length: 50 }, (_, i) => first + i));
    for (const hash of hashes) {
      expect(mined.filter((tx) => tx.input.startsWith(REGISTER_WORK) && tx.input.includes(hash.slice(2)))).toHaveLength(1);
    }
    // Each step ran exactly once across both replicas.
    const lines = [...a.lines, ...b.lines].filter(
      (l) => l.msg === "workflow transition" && l.from === "SUBMIT_WORK_ONCHAIN" && l.step === "AWAIT_TX_CONFIRM",
    );
    expect(lines).toHaveLength(50);
    expect(new Set(lines.map((l) => l.workflowId)).size).toBe(50);
    const both = [...a.lines, ...b.lines];
    expect(both.filter((l) => /nonce/i.test(String(l.err ?? l.msg ?? "")) && l.level !== undefined)).toEqual([]);
    await Promise.all([a.stop("SIGTERM"), b.stop("SIGTERM")]);
  }, 120_000);

  it("re-broadcasts a dropped transaction and replaces a stuck one with a fee bump on the same nonce", async () => {
    // Only this replica may touch the workflow (the previous test's may have survived a failure).
    await Promise.all(env.processes.map((p) => p.stop("SIGKILL")));
    const proc = await startOrchestrator(env, { chain: { stuck_after_ms: 400 } });
    const client = gateway(proc);
    const { public: chain } = chainClients(env);
    await env.anvil.rpc("evm_setAutomine", [false]);
    const hash = dataHash("dropped");
    const wf = await client.submitWork(env.deployment.studioProxy, 3, other, hash, roots[0], roots[1], "d", other);

    // The persisted transaction reaches the pool; drop it there.
    const first = await waitFor(async () => (await storedTx(env, `${wf.workflowId}:SUBMIT_WORK_ONCHAIN`))?.hashes[0], {
      description: "submitWork signed",
    });
    await waitFor(async () => (await chain.getTransaction({ hash: first }).catch(() => undefined)) !== undefined, {
      description: "in the pool",
    });
    await env.anvil.rpc("anvil_dropTransaction", [first]);
    // Re-broadcast of the same bytes, then (still unmined) a replacement with higher fees.
    await waitFor(async () => (await chain.getTransaction({ hash: first }).catch(() => undefined)) !== undefined, {
      description: "re-broadcast",
    });
    const replaced = await waitFor(
      async () => {
        const hashes = (await storedTx(env, `${wf.workflowId}:SUBMIT_WORK_ONCHAIN`))?.hashes ?? [];
        return hashes.length >= 2 ? hashes : undefined;
      },
      { timeoutMs: 10_000, description: "fee bump" },
    );
    const original = await chain.getTransaction({ hash: replaced[0] as Hex }).catch(() => undefined);
    const bumped = await chain.getTransaction({ hash: replaced[1] as Hex });
    expect(bumped.nonce).toBe(original?.nonce ?? bumped.nonce);
    expect(bumped.maxFeePerGas).toBeGreaterThan(((await storedTx(env, `${wf.workflowId}:SUBMIT_WORK_ONCHAIN`))?.maxFeePerGas ?? 0n) - 1n);

    await env.anvil.rpc("evm_setAutomine", [true]);
    await env.anvil.rpc("evm_mine", []);
    const done = await client.waitForCompletion(wf.workflowId, { maxWait: 20_000 });
    const minedSubmit = (await minedTransactions(env)).filter((tx) => tx.input.startsWith(SUBMIT_WORK) && tx.input.includes(hash.slice(2)));
    expect(minedSubmit).toHaveLength(1);
    expect(replaced).toContain(minedSubmit[0]?.hash);
    expect(done.rawProgress.onchain_tx_hash).toBe(minedSubmit[0]?.hash);
    const metrics = await (await fetch(`${proc.endpoints.ops}/metrics`)).text();
    expect(metrics).toMatch(/gatehouse_orchestrator_transactions_total\{event="rebroadcast"\} [1-9]/);
    expect(metrics).toMatch(/gatehouse_orchestrator_transactions_total\{event="replaced"\} [1-9]/);
    await proc.stop("SIGTERM");
  }, 60_000);
});
