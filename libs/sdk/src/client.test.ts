import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { GatewayClient } from "./client.js";
import { GatewayConnectionError, GatewayError, GatewayTimeoutError, InvalidRequestError, WorkflowFailedError } from "./errors.js";
import { ScoreSubmissionMode } from "./types.js";

/** A scripted gateway: each workflow id answers a sequence of states. */
const sequences: Record<string, Array<Record<string, unknown>>> = {};
const bodies: unknown[] = [];
let server: Server;
let base = "";

const workflow = (id: string, state: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: "WorkSubmission",
  state,
  step: state === "COMPLETED" ? "COMPLETED" : "SUBMIT_WORK_ONCHAIN",
  created_at: 1,
  updated_at: 2,
  progress: { onchain_tx_hash: "0xabc", dkg_weights: {} },
  ...extra,
});

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.method === "POST") {
        bodies.push({ path: req.url, headers: req.headers, body: JSON.parse(raw) });
        return send(201, workflow("w-new", "CREATED"));
      }
      const id = req.url?.split("/").pop() ?? "";
      if (id === "limited") return send(429, { error: "RATE_LIMIT_EXCEEDED" });
      if (id === "envelope") return send(400, { version: "1.0", error: { code: "X", message: "y" } });
      const next = sequences[id]?.shift();
      return next ? send(200, next) : send(404, { error: "Workflow not found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("GatewayClient", () => {
  it("sends the legacy work body (or dkg_evidence), the API key and an Idempotency-Key", async () => {
    const client = new GatewayClient({ gatewayUrl: base, auth: { apiKey: "k" } });
    const started = await client.submitWork("0xS", 1, "0xA", "0xD", "0xT", "0xE", "evidence", "0xSigner", { idempotencyKey: "idem" });
    expect(started).toMatchObject({ workflowId: "w-new", workflowType: "WorkSubmission", state: "CREATED" });
    expect(bodies.at(-1)).toMatchObject({
      path: "/workflows/work-submission",
      headers: { "x-api-key": "k", "idempotency-key": "idem" },
      body: { thread_root: "0xT", evidence_root: "0xE", evidence_content: Buffer.from("evidence").toString("base64") },
    });
    await client.submitWork("0xS", 1, "0xA", "0xD", "", "", "e", "0xSigner", { dkgEvidence: [] });
    expect((bodies.at(-1) as { body: Record<string, unknown> }).body).toMatchObject({ dkg_evidence: [] });
    expect((bodies.at(-1) as { body: Record<string, unknown> }).body).not.toHaveProperty("thread_root");
  });

  it("requires workerAddress for direct and salt for commit-reveal, defaulting salt to zero bytes32", async () => {
    const client = new GatewayClient(base);
    await expect(client.submitScore("0xS", 1, "0xV", "0xD", [1], "0xV")).rejects.toThrow(InvalidRequestError);
    await expect(client.submitScore("0xS", 1, "0xV", "0xD", [1], "0xV")).rejects.toMatchObject({ field: "workerAddress" });
    await expect(client.submitScore("0xS", 1, "0xV", "0xD", [1], "0xV", { mode: ScoreSubmissionMode.COMMIT_REVEAL })).rejects.toMatchObject(
      {
        field: "salt",
      },
    );
    await expect(client.submitScore("0xS", 1, "0xV", "0xD", [1], "0xV")).rejects.toThrow(/workerAddress/);
    await expect(client.submitScore("0xS", 1, "0xV", "0xD", [1], "0xV", { mode: ScoreSubmissionMode.COMMIT_REVEAL })).rejects.toThrow(
      /salt/,
    );
    await client.submitScore("0xS", 1, "0xV", "0xD", [1], "0xV", { workerAddress: "0xW" });
    expect((bodies.at(-1) as { body: Record<string, unknown> }).body).toMatchObject({
      mode: "direct",
      salt: `0x${"0".repeat(64)}`,
      worker_address: "0xW",
    });
  });

  it("maps error answers to GatewayError with the client's message and category", async () => {
    const client = new GatewayClient(base);
    const limited = await client.getWorkflow("limited").catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(GatewayError);
    expect(limited).toMatchObject({
      message: "Gateway returned error: RATE_LIMIT_EXCEEDED",
      statusCode: 429,
      category: "transient",
      retryable: true,
    });
    const missing = await client.getWorkflow("missing").catch((e: unknown) => e);
    expect(missing).toMatchObject({ message: "Gateway returned error: Workflow not found", category: "permanent", retryable: false });
    expect(await client.getWorkflow("envelope").catch((e: unknown) => (e as Error).message)).toBe("Gateway returned error: X: y");
  });

  it("waits through STALLED to COMPLETED, fails with WorkflowFailedError, and times out", async () => {
    const client = new GatewayClient({ baseUrl: base, pollInterval: 1 });
    sequences.ok = [
      workflow("ok", "RUNNING"),
      workflow("ok", "STALLED", { error: { step: "S", message: "m", code: "STALLED" } }),
      workflow("ok", "COMPLETED"),
    ];
    const seen: string[] = [];
    const done = await client.waitForCompletion("ok", { onProgress: (s) => seen.push(s.state) });
    expect(seen).toEqual(["RUNNING", "STALLED", "COMPLETED"]);
    expect(done.progress.onchainTxHash).toBe("0xabc");

    sequences.bad = [
      workflow("bad", "FAILED", { step: "REGISTER_WORK", error: { step: "REGISTER_WORK", message: "boom", code: "REGISTER_TX_REVERTED" } }),
    ];
    const failed = await client.waitForCompletion("bad").catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(WorkflowFailedError);
    expect((failed as Error).message).toBe("Workflow bad failed at step REGISTER_WORK: boom");

    sequences.slow = Array.from({ length: 50 }, () => workflow("slow", "RUNNING"));
    const timedOut = await client.waitForCompletion("slow", { maxWait: 20, pollInterval: 5 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(GatewayTimeoutError);
    expect((timedOut as Error).message).toMatch(
      /^Workflow slow did not complete within 20ms\. Current state: RUNNING, step: SUBMIT_WORK_ONCHAIN$/,
    );
  });

  it("reports an unreachable gateway as GatewayConnectionError", async () => {
    const client = new GatewayClient("http://127.0.0.1:9");
    await expect(client.healthCheck()).rejects.toBeInstanceOf(GatewayConnectionError);
    expect(await client.isHealthy()).toBe(false);
  });
});
