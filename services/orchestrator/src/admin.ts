import type { MessageInitShape } from "@bufbuild/protobuf";
import type { WorkflowSchema } from "@gatehouse/proto/orchestrator/v1";
import { WorkflowState as ProtoState, WorkflowType as ProtoType } from "@gatehouse/proto/workflow/v1";
import { GrpcError, GrpcStatus } from "@gatehouse/service";
import type { Engine } from "./engine/engine.js";
import type { WorkflowStore } from "./engine/store.js";
import { WORKFLOW_STATES, WORKFLOW_TYPES, type WorkflowRecord, type WorkflowState, type WorkflowType } from "./engine/types.js";

const MAX_LIST = 1_000;

export function toProtoWorkflow(wf: WorkflowRecord): MessageInitShape<typeof WorkflowSchema> {
  return {
    id: wf.id,
    type: ProtoType[wf.type],
    state: ProtoState[wf.state],
    step: wf.step,
    stepAttempts: wf.attempts,
    createdAtMs: BigInt(wf.createdAt),
    updatedAtMs: BigInt(wf.updatedAt),
    progressJson: JSON.stringify(wf.progress),
    inputJson: JSON.stringify(wf.input),
    ...(wf.error
      ? { error: { code: wf.error.code, message: wf.error.message, recoverable: wf.error.recoverable }, errorStep: wf.error.step }
      : {}),
    signer: wf.signer,
    studioAddress: wf.studio,
  };
}

const stateName = (state: ProtoState): WorkflowState | undefined => WORKFLOW_STATES.find((s) => ProtoState[s] === state);
const typeName = (type: ProtoType): WorkflowType | undefined => WORKFLOW_TYPES.find((t) => ProtoType[t] === type);

/** gRPC admin handlers: list, get, retry, cancel. */
export function adminHandlers(store: WorkflowStore, engine: Engine) {
  const load = async (id: string) => {
    const wf = await store.load(id.toLowerCase());
    if (!wf) throw new GrpcError(GrpcStatus.NOT_FOUND, `workflow ${id} not found`);
    return wf;
  };
  return {
    listWorkflows: async (req: { state: ProtoState; type: ProtoType; studioAddress: string; limit: number }) => {
      const state = stateName(req.state);
      const type = typeName(req.type);
      let ids: string[];
      if (req.studioAddress) ids = await store.idsForStudio(req.studioAddress);
      else if (state) ids = type ? await store.idsForTypeAndState(type, state) : await store.idsInState(state);
      else throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, "state or studio_address is required");
      const limit = Math.min(req.limit || MAX_LIST, MAX_LIST);
      const records = (await store.loadMany(ids))
        .filter((wf) => (!state || wf.state === state) && (!type || wf.type === type))
        .sort((a, b) => a.createdAt - b.createdAt)
        .slice(0, limit);
      return { workflows: records.map(toProtoWorkflow) };
    },
    getWorkflow: async (req: { id: string }) => ({ workflow: toProtoWorkflow(await load(req.id)) }),
    retryWorkflow: async (req: { id: string }) => {
      const outcome = await engine.retry(req.id.toLowerCase());
      if (outcome === "not_found") throw new GrpcError(GrpcStatus.NOT_FOUND, `workflow ${req.id} not found`);
      if (outcome === "not_stalled") throw new GrpcError(GrpcStatus.FAILED_PRECONDITION, "only STALLED workflows can be retried");
      return { workflow: toProtoWorkflow(await load(req.id)) };
    },
    cancelWorkflow: async (req: { id: string; reason: string }) => {
      const outcome = await engine.cancel(req.id.toLowerCase(), req.reason);
      if (outcome === "not_found") throw new GrpcError(GrpcStatus.NOT_FOUND, `workflow ${req.id} not found`);
      if (outcome === "terminal") throw new GrpcError(GrpcStatus.FAILED_PRECONDITION, "the workflow has already finished");
      return { workflow: toProtoWorkflow(await load(req.id)) };
    },
  };
}
