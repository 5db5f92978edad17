import { createLogger } from "@gatehouse/service";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { WorkflowStore } from "../engine/store.js";
import type { WorkflowRecord } from "../engine/types.js";
import { RestApi } from "./server.js";

/** An in-memory stand-in for the Redis store: only what these routes touch. */
const records = new Map<string, WorkflowRecord>();
const store = {
  create: async ({ record }: { record: WorkflowRecord }) => {
    records.set(record.id, record);
    return { outcome: "created", id: record.id };
  },
  load: async (id: string) => records.get(id),
} as unknown as WorkflowStore;
/** What the engine committed last, as the API sees it. */
const committed = new Map<string, WorkflowRecord>();

const api = new RestApi({
  store,
  logger: createLogger({ service: "orchestrator-test", instanceId: "test", level: "fatal" }),
  openapi: "{}",
  settings: {
    bodyLimitBytes: 1_000,
    apiKeys: [],
    signers: new Set([`0x${"2".repeat(40)}`]),
    writesPerMinute: 0,
    listsPerMinute: 0,
    trustProxy: false,
    idempotencyTtlSeconds: 60,
    listLimit: 10,
  },
  retry: async () => "not_found",
  onCreated: () => undefined,
  committed: { get: (id) => committed.get(id) },
});
let base = "";

beforeAll(async () => {
  const address = await api.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${address.port}`;
});
afterAll(() => api.close());

const close = { studio_address: `0x${"1".repeat(40)}`, epoch: 1, signer_address: `0x${"2".repeat(40)}` };
const post = (path: string, body: string) =>
  fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });

describe("RestApi", () => {
  it("refuses a body over the limit with 413", async () => {
    const res = await post("/workflows/close-epoch", JSON.stringify({ ...close, pad: "x".repeat(2_000) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: "request body exceeds 1000 bytes" });
  });

  it("rejects a JSON body that is not an object", async () => {
    const res = await post("/workflows/close-epoch", "[1,2]");
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "request body must be a JSON object" });
  });

  it("answers 405 for a wrong method and 404 for an unknown path", async () => {
    expect((await fetch(`${base}/workflows/close-epoch`, { method: "PUT" })).status).toBe(405);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });

  it("answers a status read with the engine's committed record while it stands, else with the store's", async () => {
    const created = (await (await post("/workflows/close-epoch", JSON.stringify({ ...close, epoch: 3 }))).json()) as { id: string };
    const stored = records.get(created.id) as WorkflowRecord;
    committed.set(created.id, { ...stored, state: "COMPLETED", step: "CLOSE_EPOCH", updatedAt: stored.updatedAt + 1 });
    expect(await (await fetch(`${base}/workflows/${created.id}`)).json()).toMatchObject({ state: "COMPLETED" });
    committed.delete(created.id);
    expect(await (await fetch(`${base}/workflows/${created.id}`)).json()).toMatchObject({ state: "CREATED" });
  });

  it("answers writes with 503 SHUTTING_DOWN after shutdown begins while reads keep working", async () => {
    const created = (await (await post("/workflows/close-epoch", JSON.stringify(close))).json()) as { id: string };
    api.beginShutdown();
    const refused = await post("/workflows/close-epoch", JSON.stringify({ ...close, epoch: 2 }));
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: "Gateway is shutting down", code: "SHUTTING_DOWN" });
    expect((await fetch(`${base}/workflows/${created.id}`)).status).toBe(200);
  });
});
