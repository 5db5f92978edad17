// STALLED after retries, operator retry, the sweeper's resume cycles and FAILED
// MAX_STALL_CYCLES_EXCEEDED; WorkflowEvents on the bus for every transition.
import { Bus } from "@gatehouse/bus";
import { WorkflowEventSchema, WorkflowState } from "@gatehouse/proto/workflow/v1";
import { natsUrl, type ServiceProcess, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { AGENTS, dataHash, gateway, setUp, startOrchestrator, type TestEnv, tearDown } from "./harness.js";

let env: TestEnv;
let proc: ServiceProcess;
let bus: Bus;
const events: Array<{ workflowId: string; state: WorkflowState; step: string; error?: string }> = [];
const [owner, worker] = AGENTS as [string, string];

beforeAll(async () => {
  env = await setUp("orchlife");
  proc = await startOrchestrator(env, { engine: { max_stall_cycles: 1, stall_resume_after_ms: 1_500, max_attempts: 3 } });
  bus = await Bus.connect({ servers: [natsUrl()], name: "orchestrator-lifecycle-test", subjectRoot: env.ns.subjectRoot });
  bus.subscribe(bus.subjects.workflowEvent, WorkflowEventSchema, (event) => {
    events.push({
      workflowId: event.workflowId,
      state: event.state,
      step: event.step,
      ...(event.error ? { error: event.error.code } : {}),
    });
  });
}, 60_000);

afterAll(async () => {
  await bus?.drain();
  await tearDown(env);
}, 30_000);

describe("stall, retry, sweep", () => {
  it("stalls on exhausted retries, resumes on request and by the sweeper, then fails after max stall cycles", async () => {
    const client = gateway(proc);
    const studio = env.deployment.studioProxy;
    // Work in epoch 50 but no validator: closing it retries NO_VALIDATORS until STALLED.
    const work = await client.submitWork(studio, 50, worker, dataHash("life"), dataHash("t"), dataHash("e"), "x", worker);
    await client.waitForCompletion(work.workflowId);
    const close = await client.closeEpoch(studio, 50, owner);

    const stalled = await waitFor(
      async () => {
        const wf = await client.getWorkflow(close.workflowId);
        return wf.state === "STALLED" ? wf : undefined;
      },
      { timeoutMs: 20_000, description: "STALLED" },
    );
    expect(stalled.error).toMatchObject({ code: "STALLED", step: "CHECK_PRECONDITIONS" });
    expect(stalled.error?.message).toMatch(/^NO_VALIDATORS: /);

    const retried = await client.retryWorkflow(close.workflowId);
    expect(retried.state).toBe("RUNNING");
    expect(retried.error).toBeUndefined();
    await expect(client.retryWorkflow(work.workflowId)).rejects.toMatchObject({ statusCode: 409 });

    const failed = await waitFor(
      async () => {
        const wf = await client.getWorkflow(close.workflowId);
        return wf.state === "FAILED" ? wf : undefined;
      },
      { timeoutMs: 30_000, description: "FAILED after stall cycles" },
    );
    expect(failed.error).toMatchObject({ code: "MAX_STALL_CYCLES_EXCEEDED", step: "CHECK_PRECONDITIONS" });
    expect(failed.rawProgress._stall_count).toBe(1);

    // Every transition went out as a WorkflowEvent, in order.
    await waitFor(() => events.some((e) => e.workflowId === close.workflowId && e.state === WorkflowState.FAILED), {
      description: "FAILED event",
    });
    const states = events.filter((e) => e.workflowId === close.workflowId).map((e) => WorkflowState[e.state]);
    expect(states[0]).toBe("RUNNING");
    expect(states.filter((s) => s === "STALLED")).toHaveLength(3);
    expect(states.at(-1)).toBe("FAILED");
    const workStates = events.filter((e) => e.workflowId === work.workflowId).map((e) => e.step);
    expect(workStates).toEqual(
      expect.arrayContaining([
        "COMPUTE_DKG",
        "UPLOAD_EVIDENCE",
        "AWAIT_ARWEAVE_CONFIRM",
        "SUBMIT_WORK_ONCHAIN",
        "AWAIT_TX_CONFIRM",
        "REGISTER_WORK",
        "AWAIT_REGISTER_CONFIRM",
        "COMPLETED",
      ]),
    );
  }, 60_000);
});
