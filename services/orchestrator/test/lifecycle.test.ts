// STALLED after retries, operator retry, the sweeper's resume cycles and FAILED
// MAX_STALL_CYCLES_EXCEEDED; WorkflowEvents on the bus for every transition.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { Bus } from "@gatehouse/bus";
import { WorkflowEventSchema, WorkflowState } from "@gatehouse/proto/workflow/v1";
import { ScoreSubmissionMode } from "@gatehouse/sdk";
import { natsUrl, repoRoot, type ServiceProcess, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { AGENTS, dataHash, gateway, setDeadlines, setUp, startOrchestrator, type TestEnv, tearDown } from "./harness.js";

const run = promisify(execFile);
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

describe("gRPC admin (through the gatehouse CLI)", () => {
  const cli = (method: string, request: unknown) =>
    run(
      process.execPath,
      [
        join(repoRoot(), "tools/cli/dist/main.js"),
        "grpc",
        "orchestrator",
        method,
        JSON.stringify(request),
        "--addr",
        proc.endpoints.grpc as string,
      ],
      {
        timeout: 20_000,
      },
    );

  it("lists, gets, cancels and refuses to retry what is not STALLED", async () => {
    const client = gateway(proc);
    const done = await client.submitWork(
      env.deployment.studioProxy,
      60,
      worker,
      dataHash("admin"),
      dataHash("t"),
      dataHash("e"),
      "x",
      worker,
    );
    await client.waitForCompletion(done.workflowId);
    const listed = JSON.parse((await cli("ListWorkflows", { state: "COMPLETED", type: "WorkSubmission" })).stdout) as {
      workflows: Array<{ id: string }>;
    };
    expect(listed.workflows.map((w) => w.id)).toContain(done.workflowId);
    const got = JSON.parse((await cli("GetWorkflow", { id: done.workflowId })).stdout) as {
      workflow: { state: string; step: string; inputJson: string };
    };
    expect(got.workflow).toMatchObject({ state: "COMPLETED", step: "COMPLETED" });
    expect(JSON.parse(got.workflow.inputJson)).toMatchObject({ epoch: 60 });
    await expect(cli("RetryWorkflow", { id: done.workflowId })).rejects.toThrow(/FAILED_PRECONDITION|only STALLED/);
    await expect(cli("GetWorkflow", { id: "00000000-0000-4000-8000-000000000000" })).rejects.toThrow(/NOT_FOUND|not found/);

    // A commit-reveal score waiting for a commit deadline two minutes away is cancelled.
    await setDeadlines(env, dataHash("admin"), 120);
    const waiting = await client.submitScore(env.deployment.studioProxy, 60, worker, dataHash("admin"), [5000], worker, {
      mode: ScoreSubmissionMode.COMMIT_REVEAL,
      salt: `0x${"07".repeat(32)}`,
    });
    await waitFor(async () => (await client.getWorkflow(waiting.workflowId)).step === "REVEAL_SCORE", { description: "waiting to reveal" });
    const cancelled = JSON.parse((await cli("CancelWorkflow", { id: waiting.workflowId, reason: "operator test" })).stdout) as {
      workflow: { state: string; error: { code: string; message: string } };
    };
    expect(cancelled.workflow).toMatchObject({ state: "FAILED", error: { code: "CANCELLED", message: "operator test" } });
    expect((await client.getWorkflow(waiting.workflowId)).state).toBe("FAILED");
  }, 60_000);
});
