// kill -9 of the orchestrator at every checkpoint of a work submission (including between
// signing and broadcast), then a restart: every workflow completes and the chain shows exactly
// one submitWork and one registerWork per work item, the re-broadcast being the persisted bytes.

import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { type Hex, toFunctionSelector } from "viem";
import { AGENTS, dataHash, evidenceFor, gateway, minedTransactions, setUp, startOrchestrator, type TestEnv, tearDown } from "./harness.js";

let env: TestEnv;
const worker = AGENTS[1] as string;
const FAST = { engine: { lease_ms: 1_500 }, chain: { signer_lock_ttl_ms: 1_500 } };
const SUBMIT_WORK = toFunctionSelector("submitWork(bytes32,bytes32,bytes32,bytes)");
const REGISTER_WORK = toFunctionSelector("registerWork(address,uint64,bytes32)");

beforeAll(async () => {
  env = await setUp("orchcrash");
}, 60_000);

afterAll(() => tearDown(env), 30_000);

const CHECKPOINTS = [
  "step:COMPUTE_DKG",
  "step:UPLOAD_EVIDENCE",
  "step:AWAIT_ARWEAVE_CONFIRM",
  "after_sign:SUBMIT_WORK_ONCHAIN",
  "after_broadcast:SUBMIT_WORK_ONCHAIN",
  "step:SUBMIT_WORK_ONCHAIN",
  "step:AWAIT_TX_CONFIRM",
  "after_sign:REGISTER_WORK",
  "after_broadcast:REGISTER_WORK",
  "step:REGISTER_WORK",
];

describe("crash recovery", () => {
  it.each(CHECKPOINTS)(
    "kill -9 at %s, restart: completes once on chain",
    async (checkpoint) => {
      const crashing = await startOrchestrator(env, { ...FAST, crash_points: [checkpoint] });
      const hash = dataHash(`crash-${checkpoint}`);
      const started = await gateway(crashing).submitWork(env.deployment.studioProxy, 1, worker, hash, "", "", "evidence", worker, {
        dkgEvidence: evidenceFor(checkpoint, worker),
      });
      const status = await crashing.exited;
      expect(status.signal).toBe("SIGKILL");

      // What the killed process persisted before dying (if it got as far as signing).
      const step = checkpoint.split(":")[1] as string;
      const persisted = checkpoint.startsWith("after_")
        ? ((await env.redis.hget(`tx:${started.workflowId}:${step}`, "hashes")) ?? "[]")
        : "[]";

      const restarted = await startOrchestrator(env, FAST);
      const done = await gateway(restarted).waitForCompletion(started.workflowId, { maxWait: 30_000 });
      expect(done.state).toBe("COMPLETED");
      await restarted.stop("SIGTERM");

      const mined = (await minedTransactions(env)).filter((tx) => tx.input.includes(hash.slice(2)));
      expect(mined.filter((tx) => tx.input.startsWith(SUBMIT_WORK))).toHaveLength(1);
      expect(mined.filter((tx) => tx.input.startsWith(REGISTER_WORK))).toHaveLength(1);
      for (const persistedHash of JSON.parse(persisted) as Hex[]) {
        // Signed before the crash → the very same transaction was broadcast after the restart.
        expect(mined.map((tx) => tx.hash)).toContain(persistedHash);
      }
      if (checkpoint.startsWith("after_sign")) expect(JSON.parse(persisted)).toHaveLength(1);
    },
    60_000,
  );

  it("a workflow orphaned in CREATED by a crash is taken over by the next replica", async () => {
    // The dying replica only ticks on creation, and dies right after inserting the record.
    const proc = await startOrchestrator(env, { ...FAST, engine: { ...FAST.engine, tick_ms: 600_000 }, crash_points: ["created"] });
    const hash = dataHash("orphan");
    const created = await gateway(proc).submitWork(env.deployment.studioProxy, 1, worker, hash, "", "", "e", worker, {
      dkgEvidence: evidenceFor("orphan", worker),
    });
    expect((await proc.exited).signal).toBe("SIGKILL");
    expect(await env.redis.hget(`wf:${created.workflowId}`, "state")).toBe("CREATED");
    const next = await startOrchestrator(env, FAST);
    const client = gateway(next);
    await client.waitForCompletion(created.workflowId, { maxWait: 20_000 });
    await next.stop("SIGTERM");
  }, 60_000);
});
