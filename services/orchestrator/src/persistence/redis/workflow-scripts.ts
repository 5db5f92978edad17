import { LegendScript } from "@gatehouse/service";

/**
 * The Lua scripts of the Redis workflow store, each with its KEYS and ARGV legend (LegendScript of libs/service
 * turns the legend into named locals and lays the arguments out by it) and the sentinel values its
 * arguments may carry.
 */

/** "1": the flag is set (any other value: not set). */
export const YES = "1";
export const NO = "0";

/**
 * Inserts a workflow with its indexes unless its Idempotency-Key or its natural key names one
 * already: answers {outcome, id}.
 */
export const CREATE = new LegendScript("orchestratorWorkflowCreate", {
  keys: {
    workflow: "wf:<id>, the record hash",
    due: "wf:due, the schedule (score: due time)",
    created: "wf:created (score: creation time)",
    created_state: "wf:state:CREATED",
    type_set: "wf:type:<type>",
    studio_set: "wf:studio:<lower-case studio>",
    idempotency: "wf:idem:<Idempotency-Key>: '<id>|<fingerprint>', with a TTL",
    natural: "wf:nk:<natural key>: the id of the workflow it names",
  },
  argv: {
    id: "the workflow id",
    fields: "the record's hash fields as a JSON array [field, value, ...]",
    created_at: "creation time (ms), the score in due and created",
    idempotency_ttl_seconds: "how long the Idempotency-Key is kept",
    fingerprint: "the request body's fingerprint: the same key with another body is a conflict",
    workflow_prefix: "the client's key prefix + 'wf:', to build the hash key of an id found",
    has_idempotency_key: "YES when the request carries an Idempotency-Key",
    has_natural_key: "YES when the workflow type has a natural key",
    natural_key: "the natural key (stored on the record for pruning)",
  },
  constants: { YES },
  body: `
if has_idempotency_key == YES then
  local existing = redis.call('GET', idempotency)
  if existing then
    local sep = string.find(existing, '|', 1, true)
    local existing_id = string.sub(existing, 1, sep - 1)
    if string.sub(existing, sep + 1) ~= fingerprint then return {'conflict', existing_id} end
    return {'existing', existing_id}
  end
end
if has_natural_key == YES then
  local existing_id = redis.call('GET', natural)
  if existing_id then
    local state = redis.call('HGET', workflow_prefix .. existing_id, 'state')
    if state and state ~= 'FAILED' then return {'existing', existing_id} end
  end
end
redis.call('HSET', workflow, unpack(cjson.decode(fields)))
redis.call('SADD', created_state, id)
redis.call('SADD', type_set, id)
redis.call('SADD', studio_set, id)
redis.call('ZADD', due, created_at, id)
redis.call('ZADD', created, created_at, id)
if has_idempotency_key == YES then redis.call('SET', idempotency, id .. '|' .. fingerprint, 'EX', idempotency_ttl_seconds) end
if has_natural_key == YES then
  redis.call('SET', natural, id)
  redis.call('HSET', workflow, 'natural_key', natural_key)
end
return {'created', id}`,
});

/** Leases due workflows: pushes each one's due time to the lease expiry and bumps its fencing token. */
export const CLAIM = new LegendScript("orchestratorWorkflowClaim", {
  keys: { due: "wf:due, the schedule (score: due time)" },
  argv: {
    now: "the current time (ms): workflows due at or before it are claimed",
    limit: "how many to claim at most",
    lease_until: "the lease's expiry (ms), the claimed workflows' new due time",
    owner: "the claiming replica's instance id",
    workflow_prefix: "the client's key prefix + 'wf:'",
  },
  body: `
local ids = redis.call('ZRANGEBYSCORE', due, '-inf', now, 'LIMIT', 0, tonumber(limit))
local out = {}
for _, id in ipairs(ids) do
  local key = workflow_prefix .. id
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZADD', due, lease_until, id)
    local token = redis.call('HINCRBY', key, 'lease_token', 1)
    redis.call('HSET', key, 'lease_owner', owner)
    table.insert(out, id)
    table.insert(out, token)
  else
    redis.call('ZREM', due, id)
  end
end
return out`,
});

// The TRANSITION script's sentinels: ARGV values that mean "no value" for their field.
/** `token`: an operator's transition, applied whatever lease is held. */
export const UNFENCED = "";
/** `error_json`: delete the stored error. */
export const CLEAR_ERROR = "";
/** `error_json`: leave the stored error as it is. */
export const KEEP_ERROR = "-";
/** `due_at`: not scheduled (terminal or STALLED). */
export const UNSCHEDULED = "";
/** `stalled_at`: not stalled. */
export const NOT_STALLED = "";
/** `expect_state`: apply in any state. */
export const ANY_STATE = "";
/** `input`: keep the stored input. */
export const KEEP_INPUT = "";

/**
 * One atomic transition: state, step, attempts, progress, error, indexes and schedule, written
 * only if the caller still holds the lease (fencing token), or unconditionally for UNFENCED.
 */
export const TRANSITION = new LegendScript("orchestratorWorkflowTransition", {
  keys: {
    workflow: "wf:<id>, the record hash",
    due: "wf:due, the schedule",
    stalled: "wf:stalled (score: when it stalled)",
    state_CREATED: "wf:state:CREATED",
    state_RUNNING: "wf:state:RUNNING",
    state_STALLED: "wf:state:STALLED",
    state_COMPLETED: "wf:state:COMPLETED",
    state_FAILED: "wf:state:FAILED",
    finished: "wf:finished (score: when it finished), what pruning reads",
  },
  argv: {
    token: "the caller's lease fencing token, or UNFENCED",
    state: "the new state",
    step: "the new step",
    attempts: "the new attempt count",
    progress: "the new progress, JSON",
    error_json: "the new error as JSON, CLEAR_ERROR or KEEP_ERROR",
    now: "the transition's time (ms): updated_at, and the finish time",
    due_at: "the new due time (ms), or UNSCHEDULED",
    stalled_at: "when it stalled (ms), or NOT_STALLED",
    fence_out: "YES to bump the fencing token (the lease holder's writes then fail)",
    id: "the workflow id, the member of every index",
    expect_state: "apply only in this state, or ANY_STATE",
    input: "the new input as JSON, or KEEP_INPUT",
  },
  constants: { YES, UNFENCED, CLEAR_ERROR, KEEP_ERROR, UNSCHEDULED, NOT_STALLED, ANY_STATE, KEEP_INPUT },
  body: `
if redis.call('EXISTS', workflow) == 0 then return 0 end
if token ~= UNFENCED and redis.call('HGET', workflow, 'lease_token') ~= token then return 0 end
local old = redis.call('HGET', workflow, 'state')
if expect_state ~= ANY_STATE and old ~= expect_state then return 0 end
local state_sets = {CREATED = state_CREATED, RUNNING = state_RUNNING, STALLED = state_STALLED, COMPLETED = state_COMPLETED, FAILED = state_FAILED}
if old ~= state then
  redis.call('SREM', state_sets[old], id)
  redis.call('SADD', state_sets[state], id)
end
redis.call('HSET', workflow, 'state', state, 'step', step, 'attempts', attempts, 'progress', progress, 'updated_at', now)
if error_json == CLEAR_ERROR then redis.call('HDEL', workflow, 'error') elseif error_json ~= KEEP_ERROR then redis.call('HSET', workflow, 'error', error_json) end
if due_at == UNSCHEDULED then redis.call('ZREM', due, id) else redis.call('ZADD', due, due_at, id) end
if stalled_at == NOT_STALLED then redis.call('ZREM', stalled, id) else redis.call('ZADD', stalled, stalled_at, id) end
if fence_out == YES then redis.call('HINCRBY', workflow, 'lease_token', 1) end
if input ~= KEEP_INPUT then redis.call('HSET', workflow, 'input', input) end
if state == 'COMPLETED' or state == 'FAILED' then
  if redis.call('ZSCORE', finished, id) == false then redis.call('ZADD', finished, now, id) end
else
  redis.call('ZREM', finished, id)
end
return 1`,
});

/**
 * Deletes finished workflows (scored by finish time in wf:finished) with every index entry,
 * their natural key (if it still names them) and their transaction records (tx:of:<id>).
 */
export const PRUNE = new LegendScript("orchestratorWorkflowPrune", {
  keys: {
    finished: "wf:finished (score: when it finished)",
    due: "wf:due",
    stalled: "wf:stalled",
    created: "wf:created",
  },
  argv: {
    before: "delete what finished at or before this time (ms)",
    limit: "how many to delete at most",
    prefix: "the client's key prefix, to build the keys of each id",
  },
  body: `
local ids = redis.call('ZRANGEBYSCORE', finished, '-inf', before, 'LIMIT', 0, tonumber(limit))
for _, id in ipairs(ids) do
  local key = prefix .. 'wf:' .. id
  local f = redis.call('HMGET', key, 'type', 'state', 'studio', 'natural_key')
  if f[1] then redis.call('SREM', prefix .. 'wf:type:' .. f[1], id) end
  if f[2] then redis.call('SREM', prefix .. 'wf:state:' .. f[2], id) end
  if f[3] then redis.call('SREM', prefix .. 'wf:studio:' .. string.lower(f[3]), id) end
  if f[4] and redis.call('GET', prefix .. 'wf:nk:' .. f[4]) == id then redis.call('DEL', prefix .. 'wf:nk:' .. f[4]) end
  for _, tx in ipairs(redis.call('SMEMBERS', prefix .. 'tx:of:' .. id)) do redis.call('DEL', prefix .. 'tx:' .. tx) end
  redis.call('DEL', key, prefix .. 'tx:of:' .. id)
  redis.call('ZREM', finished, id)
  redis.call('ZREM', due, id)
  redis.call('ZREM', stalled, id)
  redis.call('ZREM', created, id)
end
return #ids`,
});
