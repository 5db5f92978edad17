import type { Redis } from "@gatehouse/service";
import type { CreateOutcome, CreateRequest, Transition, WorkflowStore } from "../../engine/store.js";
import {
  type Progress,
  WORKFLOW_STATES,
  type WorkflowError,
  type WorkflowInput,
  type WorkflowRecord,
  type WorkflowState,
  type WorkflowType,
} from "../../engine/types.js";

const CREATE = `
if ARGV[7] == '1' then
  local existing = redis.call('GET', KEYS[7])
  if existing then
    local sep = string.find(existing, '|', 1, true)
    local id = string.sub(existing, 1, sep - 1)
    if string.sub(existing, sep + 1) ~= ARGV[5] then return {'conflict', id} end
    return {'existing', id}
  end
end
if ARGV[8] == '1' then
  local id = redis.call('GET', KEYS[8])
  if id then
    local state = redis.call('HGET', ARGV[6] .. id, 'state')
    if state and state ~= 'FAILED' then return {'existing', id} end
  end
end
redis.call('HSET', KEYS[1], unpack(cjson.decode(ARGV[2])))
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[1])
redis.call('SADD', KEYS[6], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
if ARGV[7] == '1' then redis.call('SET', KEYS[7], ARGV[1] .. '|' .. ARGV[5], 'EX', ARGV[4]) end
if ARGV[8] == '1' then
  redis.call('SET', KEYS[8], ARGV[1])
  redis.call('HSET', KEYS[1], 'natural_key', ARGV[9])
end
return {'created', ARGV[1]}`;

/** Leases due workflows: pushes each one's due time to the lease expiry and bumps its fencing token. */
const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  local key = ARGV[5] .. id
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZADD', KEYS[1], ARGV[3], id)
    local token = redis.call('HINCRBY', key, 'lease_token', 1)
    redis.call('HSET', key, 'lease_owner', ARGV[4])
    table.insert(out, id)
    table.insert(out, token)
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out`;

/**
 * One atomic transition: state, step, attempts, progress, error, indexes and schedule, written
 * only if the caller still holds the lease (fencing token), or unconditionally for token ''.
 */
const TRANSITION = `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return 0 end
if ARGV[1] ~= '' and redis.call('HGET', key, 'lease_token') ~= ARGV[1] then return 0 end
local old = redis.call('HGET', key, 'state')
if ARGV[12] ~= '' and old ~= ARGV[12] then return 0 end
local sets = {CREATED = 4, RUNNING = 5, STALLED = 6, COMPLETED = 7, FAILED = 8}
if old ~= ARGV[2] then
  redis.call('SREM', KEYS[sets[old]], ARGV[11])
  redis.call('SADD', KEYS[sets[ARGV[2]]], ARGV[11])
end
redis.call('HSET', key, 'state', ARGV[2], 'step', ARGV[3], 'attempts', ARGV[4], 'progress', ARGV[5], 'updated_at', ARGV[7])
if ARGV[6] == '' then redis.call('HDEL', key, 'error') elseif ARGV[6] ~= '-' then redis.call('HSET', key, 'error', ARGV[6]) end
if ARGV[8] == '' then redis.call('ZREM', KEYS[2], ARGV[11]) else redis.call('ZADD', KEYS[2], ARGV[8], ARGV[11]) end
if ARGV[9] == '' then redis.call('ZREM', KEYS[3], ARGV[11]) else redis.call('ZADD', KEYS[3], ARGV[9], ARGV[11]) end
if ARGV[10] == '1' then redis.call('HINCRBY', key, 'lease_token', 1) end
if ARGV[13] ~= '' then redis.call('HSET', key, 'input', ARGV[13]) end
if ARGV[2] == 'COMPLETED' or ARGV[2] == 'FAILED' then
  if redis.call('ZSCORE', KEYS[9], ARGV[11]) == false then redis.call('ZADD', KEYS[9], ARGV[7], ARGV[11]) end
else
  redis.call('ZREM', KEYS[9], ARGV[11])
end
return 1`;

/**
 * Deletes finished workflows (scored by finish time in wf:finished) with every index entry,
 * their natural key (if it still names them) and their transaction records (tx:of:<id>).
 */
const PRUNE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local p = ARGV[3]
for _, id in ipairs(ids) do
  local key = p .. 'wf:' .. id
  local f = redis.call('HMGET', key, 'type', 'state', 'studio', 'natural_key')
  if f[1] then redis.call('SREM', p .. 'wf:type:' .. f[1], id) end
  if f[2] then redis.call('SREM', p .. 'wf:state:' .. f[2], id) end
  if f[3] then redis.call('SREM', p .. 'wf:studio:' .. string.lower(f[3]), id) end
  if f[4] and redis.call('GET', p .. 'wf:nk:' .. f[4]) == id then redis.call('DEL', p .. 'wf:nk:' .. f[4]) end
  for _, tx in ipairs(redis.call('SMEMBERS', p .. 'tx:of:' .. id)) do redis.call('DEL', p .. 'tx:' .. tx) end
  redis.call('DEL', key, p .. 'tx:of:' .. id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZREM', KEYS[4], id)
end
return #ids`;

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

  private stateSets(): string[] {
    return WORKFLOW_STATES.map((s) => `wf:state:${s}`);
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
    const result = (await this.redis.eval(
      CREATE,
      8,
      this.wf(r.id),
      "wf:due",
      "wf:created",
      "wf:state:CREATED",
      `wf:type:${r.type}`,
      studioKey(r.studio),
      `wf:idem:${request.idempotencyKey ?? ""}`,
      `wf:nk:${request.naturalKey ?? ""}`,
      r.id,
      JSON.stringify(fields),
      String(r.createdAt),
      String(request.idempotencyTtlSeconds),
      request.fingerprint,
      `${this.keyPrefix}wf:`,
      request.idempotencyKey ? "1" : "0",
      request.naturalKey ? "1" : "0",
      request.naturalKey ?? "",
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

  /** Leases up to `limit` due workflows for `leaseMs`; returns [id, fencing token] pairs. */
  async claimDue(now: number, limit: number, leaseMs: number, owner: string): Promise<Array<{ id: string; token: number }>> {
    const flat = (await this.redis.eval(
      CLAIM,
      1,
      "wf:due",
      String(now),
      String(limit),
      String(now + leaseMs),
      owner,
      `${this.keyPrefix}wf:`,
    )) as Array<string | number>;
    const claimed: Array<{ id: string; token: number }> = [];
    for (let i = 0; i < flat.length; i += 2) claimed.push({ id: String(flat[i]), token: Number(flat[i + 1]) });
    return claimed;
  }

  /** Applies a transition under lease `token` ('' = operator, unfenced). False if the lease was lost. */
  async transition(id: string, token: number | "", t: Transition, now: number): Promise<boolean> {
    const error = t.error === undefined ? "-" : t.error === null ? "" : JSON.stringify(t.error);
    const result = await this.redis.eval(
      TRANSITION,
      9,
      this.wf(id),
      "wf:due",
      "wf:stalled",
      ...this.stateSets(),
      "wf:finished",
      String(token),
      t.state,
      t.step,
      String(t.attempts),
      JSON.stringify(t.progress),
      error,
      String(now),
      t.dueAt === null ? "" : String(t.dueAt),
      t.stalledAt == null ? "" : String(t.stalledAt),
      t.fenceOut ? "1" : "0",
      id,
      t.expectState ?? "",
      t.input === undefined ? "" : JSON.stringify(t.input),
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
    const pruned = await this.redis.eval(
      PRUNE,
      4,
      "wf:finished",
      "wf:due",
      "wf:stalled",
      "wf:created",
      String(before),
      String(limit),
      this.keyPrefix,
    );
    return Number(pruned);
  }
}
