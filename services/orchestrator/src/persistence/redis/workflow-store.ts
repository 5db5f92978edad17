import type { Redis } from "@gatehouse/service";
import type { CreateOutcome, CreateRequest, Transition, WorkflowStore } from "../../engine/store.js";
import type { Progress, WorkflowError, WorkflowInput, WorkflowRecord, WorkflowState, WorkflowType } from "../../engine/types.js";
import {
  ANY_STATE,
  CLAIM,
  CLEAR_ERROR,
  CREATE,
  KEEP_ERROR,
  KEEP_INPUT,
  NO,
  NOT_STALLED,
  PRUNE,
  TRANSITION,
  UNFENCED,
  UNSCHEDULED,
  YES,
} from "./workflow-scripts.js";

function parse(id: string, hash: Record<string, string>): WorkflowRecord | undefined {
  if (!hash.state) return undefined;
  return {
    id,
    type: hash.type as WorkflowType,
    state: hash.state as WorkflowState,
    step: hash.step as string,
    attempts: Number(hash.attempts ?? 0),
    createdAt: Number(hash.created_at),
    updatedAt: Number(hash.updated_at),
    input: JSON.parse(hash.input as string) as WorkflowInput,
    progress: JSON.parse(hash.progress ?? "{}") as Progress,
    ...(hash.error ? { error: JSON.parse(hash.error) as WorkflowError } : {}),
    signer: hash.signer as string,
    studio: hash.studio as string,
    leaseToken: Number(hash.lease_token ?? 0),
  };
}

/** A studio's index: hex addresses are case-insensitive, so checksummed and lower-case spellings share it. */
const studioKey = (studio: string) => `wf:studio:${studio.toLowerCase()}`;

/**
 * Workflow records as Redis hashes (keys under the client's prefix), every transition one Lua
 * script. Only as durable as the Redis behind it: a server that keeps nothing on disk, or fsyncs
 * its AOF once a second, or fails over to an asynchronous replica loses acknowledged writes.
 */
export class RedisWorkflowStore implements WorkflowStore {
  constructor(
    private readonly redis: Redis,
    /** The client's key prefix: scripts that build keys from ids must add it themselves. */
    private readonly keyPrefix: string,
  ) {}

  private wf(id: string): string {
    return `wf:${id}`;
  }

  async create(request: CreateRequest): Promise<CreateOutcome> {
    const r = request.record;
    const fields = [
      "id",
      r.id,
      "type",
      r.type,
      "state",
      r.state,
      "step",
      r.step,
      "attempts",
      "0",
      "created_at",
      String(r.createdAt),
      "updated_at",
      String(r.updatedAt),
      "input",
      JSON.stringify(r.input),
      "progress",
      "{}",
      "signer",
      r.signer,
      "studio",
      r.studio,
      "lease_token",
      "0",
    ];
    const result = (await CREATE.run(
      this.redis,
      {
        workflow: this.wf(r.id),
        due: "wf:due",
        created: "wf:created",
        created_state: "wf:state:CREATED",
        type_set: `wf:type:${r.type}`,
        studio_set: studioKey(r.studio),
        idempotency: `wf:idem:${request.idempotencyKey ?? ""}`,
        natural: `wf:nk:${request.naturalKey ?? ""}`,
      },
      {
        id: r.id,
        fields: JSON.stringify(fields),
        created_at: String(r.createdAt),
        idempotency_ttl_seconds: String(request.idempotencyTtlSeconds),
        fingerprint: request.fingerprint,
        workflow_prefix: `${this.keyPrefix}wf:`,
        has_idempotency_key: request.idempotencyKey ? YES : NO,
        has_natural_key: request.naturalKey ? YES : NO,
        natural_key: request.naturalKey ?? "",
      },
    )) as [CreateOutcome["outcome"], string];
    return { outcome: result[0], id: result[1] };
  }

  async load(id: string): Promise<WorkflowRecord | undefined> {
    return parse(id, await this.redis.hgetall(this.wf(id)));
  }

  async loadMany(ids: readonly string[]): Promise<WorkflowRecord[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.wf(id));
    const results = (await pipeline.exec()) ?? [];
    return results.flatMap(([, hash], i) => parse(ids[i] as string, (hash ?? {}) as Record<string, string>) ?? []);
  }

  /**
   * Leases up to `limit` due workflows for `leaseMs`, then reads the claimed records in one
   * pipeline; a record whose token moved on meanwhile (claimed again, fenced) is left out.
   */
  async claimDue(now: number, limit: number, leaseMs: number, owner: string): Promise<WorkflowRecord[]> {
    const flat = (await CLAIM.run(
      this.redis,
      { due: "wf:due" },
      { now: String(now), limit: String(limit), lease_until: String(now + leaseMs), owner, workflow_prefix: `${this.keyPrefix}wf:` },
    )) as Array<string | number>;
    const tokens = new Map<string, number>();
    for (let i = 0; i < flat.length; i += 2) tokens.set(String(flat[i]), Number(flat[i + 1]));
    return (await this.loadMany([...tokens.keys()])).filter((wf) => wf.leaseToken === tokens.get(wf.id));
  }

  /** Applies a transition under lease `token` ('' = operator, unfenced). False if the lease was lost. */
  async transition(id: string, token: number | "", t: Transition, now: number): Promise<boolean> {
    const result = await TRANSITION.run(
      this.redis,
      {
        workflow: this.wf(id),
        due: "wf:due",
        stalled: "wf:stalled",
        state_CREATED: "wf:state:CREATED",
        state_RUNNING: "wf:state:RUNNING",
        state_STALLED: "wf:state:STALLED",
        state_COMPLETED: "wf:state:COMPLETED",
        state_FAILED: "wf:state:FAILED",
        finished: "wf:finished",
      },
      {
        token: token === "" ? UNFENCED : String(token),
        state: t.state,
        step: t.step,
        attempts: String(t.attempts),
        progress: JSON.stringify(t.progress),
        error_json: t.error === undefined ? KEEP_ERROR : t.error === null ? CLEAR_ERROR : JSON.stringify(t.error),
        now: String(now),
        due_at: t.dueAt === null ? UNSCHEDULED : String(t.dueAt),
        stalled_at: t.stalledAt == null ? NOT_STALLED : String(t.stalledAt),
        fence_out: t.fenceOut ? YES : NO,
        id,
        expect_state: t.expectState ?? ANY_STATE,
        input: t.input === undefined ? KEEP_INPUT : JSON.stringify(t.input),
      },
    );
    return result === 1;
  }

  /** STALLED workflows that stalled at or before `before`. */
  async stalledBefore(before: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore("wf:stalled", "-inf", String(before), "LIMIT", 0, limit);
  }

  async idsInState(state: WorkflowState): Promise<string[]> {
    return this.redis.smembers(`wf:state:${state}`);
  }

  async idsForStudio(studio: string): Promise<string[]> {
    return this.redis.smembers(studioKey(studio));
  }

  async idsForTypeAndState(type: WorkflowType, state: WorkflowState): Promise<string[]> {
    return this.redis.sinter(`wf:type:${type}`, `wf:state:${state}`);
  }

  async countDue(now: number): Promise<number> {
    return this.redis.zcount("wf:due", "-inf", String(now));
  }

  async countInState(state: WorkflowState): Promise<number> {
    return this.redis.scard(`wf:state:${state}`);
  }

  async pruneFinished(before: number, limit: number): Promise<number> {
    const pruned = await PRUNE.run(
      this.redis,
      { finished: "wf:finished", due: "wf:due", stalled: "wf:stalled", created: "wf:created" },
      { before: String(before), limit: String(limit), prefix: this.keyPrefix },
    );
    return Number(pruned);
  }
}
