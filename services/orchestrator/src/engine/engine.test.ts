import { createLogger, ManualClock } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import type { Hex } from "viem";
import { AGENT, chainReader, workRecord } from "../../test/fixtures.js";
import type { TxStatus } from "../chain/tx-types.js";
import { Engine, type EngineSettings, type TransitionEvent } from "./engine.js";
import type { TransactionsPort, WorkflowStorePort } from "./ports.js";
import type { Transition } from "./store.js";
import type { WorkflowRecord } from "./types.js";

const SETTINGS: EngineSettings = {
  concurrency: 1,
  tickMs: 1_000_000,
  leaseMs: 30_000,
  maxAttempts: 3,
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
  sweepIntervalMs: 1_000_000,
  stallResumeAfterMs: 60_000,
  maxStallCycles: 2,
  pollMs: 500,
  confirmTimeoutMs: 60_000,
  evidenceWindowMs: 60_000,
  dkgVersion: "1.0.0",
};
const HASH = `0x${"ab".repeat(32)}` as Hex;

/**
 * One WorkSubmission run from CREATED through a store that records every write: the chain answers
 * "not registered, not submitted" until the transactions confirm at once, the evidence store
 * confirms at once. `transitionAccepted` says whether the store takes the n-th write.
 */
async function runOnce(transitionAccepted: (n: number) => boolean = () => true) {
  const writes: Transition[] = [];
  const events: TransitionEvent[] = [];
  let stored: WorkflowRecord = workRecord("CREATED", {
    step: "COMPUTE_DKG",
    input: {
      studio_address: AGENT,
      epoch: 1,
      agent_address: AGENT,
      data_hash: HASH,
      signer_address: AGENT,
      thread_root: HASH,
      evidence_root: HASH,
      evidence_content: "AAAA",
    },
  });
  let claims = 0;
  let settle: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const store: WorkflowStorePort = {
    load: async () => stored,
    loadMany: async () => [stored],
    // Claimable once: the test is about one run.
    claimDue: async () => (claims++ === 0 ? [stored] : []),
    transition: async (_id, _token, t) => {
      writes.push(t);
      if (!transitionAccepted(writes.length)) return false;
      stored = { ...stored, state: t.state, step: t.step, attempts: t.attempts, progress: t.progress, input: t.input ?? stored.input };
      return true;
    },
    stalledBefore: async () => [],
  };
  const sent = new Set<string>();
  const tx: TransactionsPort = {
    hasSigner: () => true,
    load: async () => undefined,
    submit: async (key) => {
      sent.add(key);
      return HASH;
    },
    checkAndRebroadcast: async (key): Promise<TxStatus> =>
      sent.has(key) ? { state: "confirmed", hash: HASH, nonce: 0, block: 5n } : { state: "none" },
  };
  let registered = false;
  const engine = new Engine({
    store,
    chain: chainReader({
      isWorkRegistered: async () => registered,
      workSubmitter: async () => (sent.has(`${stored.id}:SUBMIT_WORK_ONCHAIN`) ? AGENT : undefined),
    }),
    tx: {
      ...tx,
      submit: async (key, signer, call) => {
        if (key.endsWith(":REGISTER_WORK")) registered = true;
        return tx.submit(key, signer, call);
      },
    },
    evidence: {
      kind: "test",
      put: async () => ({ id: "ev", uri: "file://ev" }),
      status: async () => "confirmed",
      get: async () => undefined,
    },
    adminSigner: AGENT,
    instanceId: "test",
    logger: createLogger({ service: "orchestrator-test", instanceId: "test", level: "fatal" }),
    settings: SETTINGS,
    clock: new ManualClock(1_000),
    onTransition: (event) => events.push(event),
    onCommitted: (wf) => {
      if (wf.state === "COMPLETED") settle();
    },
    onLeaseLost: () => settle(),
  });
  await engine.tick();
  await ended;
  await engine.stop(1_000);
  return { writes, events, stored };
}

describe("Engine folds replayable steps into one write", () => {
  it("writes a work submission twice (after the evidence upload, at completion) and still publishes every step", async () => {
    const { writes, events, stored } = await runOnce();
    expect(writes.map((t) => `${t.state} ${t.step}`)).toEqual(["RUNNING AWAIT_ARWEAVE_CONFIRM", "COMPLETED COMPLETED"]);
    expect(events.map((e) => `${e.previousStep} → ${e.workflow.step}`)).toEqual([
      "COMPUTE_DKG → COMPUTE_DKG",
      "COMPUTE_DKG → UPLOAD_EVIDENCE",
      "UPLOAD_EVIDENCE → AWAIT_ARWEAVE_CONFIRM",
      "AWAIT_ARWEAVE_CONFIRM → SUBMIT_WORK_ONCHAIN",
      "SUBMIT_WORK_ONCHAIN → AWAIT_TX_CONFIRM",
      "AWAIT_TX_CONFIRM → REGISTER_WORK",
      "REGISTER_WORK → AWAIT_REGISTER_CONFIRM",
      "AWAIT_REGISTER_CONFIRM → COMPLETED",
    ]);
    // The folded write carries what every step did: the input compacted at AWAIT_ARWEAVE_CONFIRM, both hashes.
    expect(writes[1]?.input).toBeDefined();
    expect(stored.input).not.toHaveProperty("evidence_content");
    expect(stored.progress).toMatchObject({ onchain_tx_hash: HASH, register_tx_hash: HASH, register_confirmed: true });
  });

  it("publishes nothing of the folded steps when their write loses the lease", async () => {
    const { writes, events, stored } = await runOnce((n) => n === 1);
    expect(writes).toHaveLength(2);
    expect(events.map((e) => e.workflow.step)).toEqual(["COMPUTE_DKG", "UPLOAD_EVIDENCE", "AWAIT_ARWEAVE_CONFIRM"]);
    expect(stored.step).toBe("AWAIT_ARWEAVE_CONFIRM");
  });
});

describe("Engine runs a workflow claimed again while its run was finishing", () => {
  it("runs it again under the new lease once the run is done, instead of leaving it parked until that lease expires", async () => {
    let stored: WorkflowRecord = workRecord("RUNNING", { step: "AWAIT_TX_CONFIRM", leaseToken: 1, progress: { _awaiting_since: 500 } });
    const claims = [[1], [2]];
    const writes: Array<{ token: number | ""; step: string }> = [];
    let settle: () => void = () => {};
    const secondRunDone = new Promise<void>((resolve) => {
      settle = resolve;
    });
    let engine: Engine | undefined;
    const store: WorkflowStorePort = {
      load: async () => stored,
      loadMany: async () => [stored],
      claimDue: async () => {
        const next = claims.shift() ?? [];
        for (const token of next) stored = { ...stored, leaseToken: token };
        return next.map(() => stored);
      },
      transition: async (_id, token, t) => {
        writes.push({ token, step: t.step });
        if (token !== stored.leaseToken) return false;
        stored = { ...stored, state: t.state, step: t.step, attempts: t.attempts, progress: t.progress };
        if (token === 2) settle();
        return true;
      },
      stalledBefore: async () => [],
    };
    let checks = 0;
    engine = new Engine({
      store,
      chain: chainReader({ isWorkRegistered: async () => false }),
      tx: {
        hasSigner: () => true,
        load: async () => undefined,
        submit: async () => HASH,
        checkAndRebroadcast: async (): Promise<TxStatus> => {
          // The first run's check is where the scheduler claims the workflow again.
          if (checks++ === 0) await engine?.tick();
          return { state: "pending", hash: HASH, nonce: 0 };
        },
      },
      evidence: { kind: "test", put: async () => ({ id: "", uri: "" }), status: async () => "confirmed", get: async () => undefined },
      adminSigner: AGENT,
      instanceId: "test",
      logger: createLogger({ service: "orchestrator-test", instanceId: "test", level: "fatal" }),
      settings: SETTINGS,
      clock: new ManualClock(1_000),
      onTransition: () => {},
    });
    await engine.tick();
    await secondRunDone;
    await engine.stop(1_000);
    expect(writes).toEqual([
      { token: 1, step: "AWAIT_TX_CONFIRM" },
      { token: 2, step: "AWAIT_TX_CONFIRM" },
    ]);
    expect(checks).toBe(2);
  });
});
