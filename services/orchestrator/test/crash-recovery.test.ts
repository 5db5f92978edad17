// kill -9 of the orchestrator at every checkpoint of a work submission (including between
// signing and broadcast), then a restart: every workflow completes and the chain shows exactly
// one submitWork and one registerWork per work item, the re-broadcast being the persisted bytes.

import { ScoreSubmissionMode } from "@gatehouse/sdk";
import { type ServiceProcess, waitFor } from "@gatehouse/testkit";
import { describe, expect, it } from "@jest/globals";
import { getAddress, type Hex, toFunctionSelector } from "viem";
import { studioProxyAbi } from "../src/chain/abi.js";
import {
  AGENTS,
  chainClients,
  dataHash,
  FAST_TAKEOVER,
  gateway,
  minedTransactions,
  setDeadlines,
  setUp,
  startOrchestrator,
  storedState,
  storedTx,
  submitDkgWork,
  tearDown,
  useTestEnv,
  workTransactions,
} from "./harness.js";

const env = useTestEnv("orchcrash");
const worker = AGENTS[1] as string;

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

/** Resolves "done" once every workflow has COMPLETED (polling the given replica), "died" if it dies first. */
async function allDone(proc: ServiceProcess, ids: string[]): Promise<"done" | "died"> {
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return "died";
    const states = await Promise.all(
      ids.map((id) =>
        gateway(proc)
          .getWorkflow(id)
          .then(
            (w) => (w.state === "FAILED" ? `FAILED ${w.step} ${JSON.stringify(w.error)}` : w.state),
            () => "UNREACHABLE",
          ),
      ),
    );
    if (states.every((s) => s === "COMPLETED")) return "done";
    if (states.some((s) => s.startsWith("FAILED"))) throw new Error(`a workflow failed: ${states.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("crash recovery", () => {
  it.each(CHECKPOINTS)(
    "kill -9 at %s, restart: completes once on chain",
    async (checkpoint) => {
      const crashing = await startOrchestrator(env(), { ...FAST_TAKEOVER, crash_points: [checkpoint] });
      const hash = dataHash(`crash-${checkpoint}`);
      const started = await submitDkgWork(env(), crashing, `crash-${checkpoint}`, worker);
      const status = await crashing.exited;
      expect(status.signal).toBe("SIGKILL");

      // What the killed process persisted before dying (if it got as far as signing).
      const step = checkpoint.split(":")[1] as string;
      const persisted = checkpoint.startsWith("after_") ? ((await storedTx(env(), `${started.workflowId}:${step}`))?.hashes ?? []) : [];

      const restarted = await startOrchestrator(env(), FAST_TAKEOVER);
      const done = await gateway(restarted).waitForCompletion(started.workflowId, { maxWait: 30_000 });
      expect(done.state).toBe("COMPLETED");
      await restarted.stop("SIGTERM");

      const { submits, registers } = await workTransactions(env(), hash);
      expect(submits).toHaveLength(1);
      expect(registers).toHaveLength(1);
      for (const persistedHash of persisted) {
        // Signed before the crash → the very same transaction was broadcast after the restart.
        expect([...submits, ...registers].map((tx) => tx.hash)).toContain(persistedHash);
      }
      if (checkpoint.startsWith("after_sign")) expect(persisted).toHaveLength(1);
    },
    60_000,
  );

  it("kill -9 between signing and broadcast of each score and close-epoch transaction: one registration, one close", async () => {
    const studio = env().deployment.studioProxy;
    const [owner, , validator] = AGENTS as [string, string, string];
    const direct = dataHash("crash-score-direct");
    const committed = dataHash("crash-score-cr");
    const setup = await startOrchestrator(env(), FAST_TAKEOVER);
    for (const hash of [direct, committed]) {
      const wf = await gateway(setup).submitWork(studio, 9, worker, hash, dataHash("t"), dataHash("e"), "x", worker);
      await gateway(setup).waitForCompletion(wf.workflowId);
    }
    await setup.stop("SIGTERM");
    // A commit window long enough for any number of crash restarts, cut short once the commitment is
    // on chain so the reveal need not wait it out. The owner that moves the deadlines is also the
    // orchestrator's admin signer (REGISTER_VALIDATOR), so the cut waits until no orchestrator runs
    // and the direct score, whose registration it signs, is done: the owner's nonces stay its own.
    await setDeadlines(env(), committed, 600);
    const points = [
      "after_sign:SUBMIT_SCORE_DIRECT",
      "after_sign:REGISTER_VALIDATOR",
      "after_sign:COMMIT_SCORE",
      "after_sign:REVEAL_SCORE",
      "after_sign:SUBMIT_CLOSE_EPOCH",
    ];
    const crashing = await startOrchestrator(env(), { ...FAST_TAKEOVER, crash_points: points });
    const a = await gateway(crashing).submitScore(studio, 9, validator, direct, [9000], validator, { workerAddress: worker });
    const b = await gateway(crashing).submitScore(studio, 9, validator, committed, [8000], validator, {
      mode: ScoreSubmissionMode.COMMIT_REVEAL,
      salt: `0x${"33".repeat(32)}`,
    });
    const readyForCut = waitFor(
      async () => {
        if ((await storedState(env(), a.workflowId)) !== "COMPLETED") return undefined;
        const commitment = await chainClients(env()).public.readContract({
          address: studio,
          abi: studioProxyAbi,
          functionName: "getScoreCommitment",
          args: [committed, getAddress(validator)],
        });
        return /^0x0+$/.test(commitment) ? undefined : ("committed" as const);
      },
      { timeoutMs: 90_000, intervalMs: 100, description: "the direct score done and the commitment on chain" },
    );
    // Every crash point fires once: restart after each death until both scores are done.
    let proc = crashing;
    let deaths = 0;
    let commitPhaseCut = false;
    for (;;) {
      const outcome = await Promise.race([
        proc.exited.then(() => "died" as const),
        allDone(proc, [a.workflowId, b.workflowId]),
        ...(commitPhaseCut ? [] : [readyForCut]),
      ]);
      if (outcome === "done") break;
      if (outcome === "committed") {
        await proc.stop("SIGTERM");
        await setDeadlines(env(), committed, 2);
        commitPhaseCut = true;
      } else {
        deaths += 1;
        expect(deaths).toBeLessThanOrEqual(points.length);
      }
      proc = await startOrchestrator(env(), { ...FAST_TAKEOVER, crash_points: points });
    }
    expect(commitPhaseCut).toBe(true);
    const close = await gateway(proc).closeEpoch(studio, 9, owner);
    // The close epoch's crash point kills this process. A replacement (without crash points) starts
    // only once it is dead: started beside a live one, it could take the step and skip the point.
    if ((await allDone(proc, [close.workflowId])) === "died") {
      await proc.exited;
      proc = await startOrchestrator(env(), FAST_TAKEOVER);
      await gateway(proc).waitForCompletion(close.workflowId, { maxWait: 60_000 });
    }
    const fired = await Promise.all(points.map(async (p) => ((await env().redis.exists(`crash:${p}`)) === 1 ? undefined : p)));
    expect(fired.filter((p) => p !== undefined)).toEqual([]);

    const mined = await minedTransactions(env());
    const count = (selector: string, hash: Hex) =>
      mined.filter((tx) => tx.input.startsWith(selector) && tx.input.includes(hash.slice(2))).length;
    expect(count(toFunctionSelector("registerValidator(bytes32,address)"), direct)).toBe(1);
    expect(count(toFunctionSelector("registerValidator(bytes32,address)"), committed)).toBe(1);
    expect(count(toFunctionSelector("submitScoreVectorForWorker(bytes32,address,bytes)"), direct)).toBe(1);
    expect(count(toFunctionSelector("commitScore(bytes32,bytes32)"), committed)).toBe(1);
    expect(count(toFunctionSelector("revealScore(bytes32,bytes,bytes32)"), committed)).toBe(1);
    expect(mined.filter((tx) => tx.input.startsWith(toFunctionSelector("closeEpoch(address,uint64)")))).toHaveLength(1);
  }, 120_000);

  it("a workflow orphaned in CREATED by a crash is taken over by the next replica", async () => {
    // A namespace of its own: no workflow left over by earlier tests can become due and make the
    // dying replica tick (and claim the new workflow) before it crashes.
    const own = await setUp("orchorphan");
    try {
      // The dying replica only ticks on creation, and dies right after inserting the record.
      const proc = await startOrchestrator(own, {
        ...FAST_TAKEOVER,
        engine: { ...FAST_TAKEOVER.engine, tick_ms: 600_000 },
        crash_points: ["created"],
      });
      const created = await submitDkgWork(own, proc, "orphan", worker, "e");
      expect((await proc.exited).signal).toBe("SIGKILL");
      expect(await storedState(own, created.workflowId)).toBe("CREATED");
      const next = await startOrchestrator(own, FAST_TAKEOVER);
      await gateway(next).waitForCompletion(created.workflowId, { maxWait: 20_000 });
      await next.stop("SIGTERM");
    } finally {
      await tearDown(own);
    }
  }, 90_000);
});
