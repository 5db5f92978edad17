// Property: for any mix of upstream behaviours, queue capacity and overflow policy, every
// accepted share gets exactly one ShareForwardResult, and that result says what happened to it.
// The forwarder runs in this process against a scripted upstream (one behaviour per event_id).
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GatewayReason, type ShareForwardResult } from "@gatehouse/proto/mining/v1";
import { type RunningService, startService } from "@gatehouse/service";
import { waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { stringify as toToml } from "smol-toml";
import type { Config } from "../src/config.js";
import { service } from "../src/service.js";
import { adminClient, closeNamespace, forwarderConfig, openNamespace, publish, readResults, resultCount, shares } from "./harness.js";

type Behaviour = "accept" | "reject" | "http400" | "http500" | "flaky500" | "throttle429" | "malformed" | "timeout";
const BEHAVIOURS: Behaviour[] = ["accept", "reject", "http400", "http500", "flaky500", "throttle429", "malformed", "timeout"];
const RETRIES = 2;
// Long enough that a loaded machine never turns an "accept" into a timeout.
const TIMEOUT_MS = 1_000;

/** An upstream that answers each event_id as scripted; the first attempt of the flaky kinds fails. */
class ScriptedUpstream {
  readonly script = new Map<string, Behaviour>();
  readonly attempts = new Map<string, number>();
  server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const id = String(req.headers["webhook-id"]);
        const attempt = (this.attempts.get(id) ?? 0) + 1;
        this.attempts.set(id, attempt);
        const send = (status: number, body: string, headers: Record<string, string> = {}) => res.writeHead(status, headers).end(body);
        switch (this.script.get(id) ?? "accept") {
          case "reject":
            return send(200, '{"accepted":false,"reason":"stale_share"}');
          case "http400":
            return send(400, '{"error":"bad share"}');
          case "http500":
            return send(500, '{"error":"down"}');
          case "flaky500":
            return attempt === 1 ? send(500, "") : send(200, '{"accepted":true}');
          case "throttle429":
            return attempt === 1 ? send(429, "", { "retry-after": "0" }) : send(200, '{"accepted":true}');
          case "malformed":
            return attempt === 1 ? send(200, "ok") : send(200, '{"accepted":true}');
          case "timeout":
            if (attempt === 1) return void setTimeout(() => send(200, '{"accepted":true}'), TIMEOUT_MS * 3).unref();
            return send(200, '{"accepted":true}');
          default:
            return send(200, '{"accepted":true}');
        }
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/shares`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

function expectOutcome(result: ShareForwardResult, behaviour: Behaviour): void {
  switch (behaviour) {
    case "reject":
      return void expect(result).toMatchObject({
        forwarded: true,
        upstreamAccepted: false,
        upstreamError: "stale_share",
        reasonCode: GatewayReason.share_upstream_rejected,
        attempts: 1,
      });
    case "http400":
      return void expect(result).toMatchObject({
        forwarded: false,
        upstreamHttpStatus: 400,
        reasonCode: GatewayReason.share_forward_failed,
        attempts: 1,
      });
    case "http500":
      return void expect(result).toMatchObject({
        forwarded: false,
        upstreamHttpStatus: 500,
        reasonCode: GatewayReason.share_forward_failed,
        attempts: RETRIES + 1,
      });
    case "accept":
      return void expect(result).toMatchObject({
        forwarded: true,
        upstreamAccepted: true,
        reasonCode: GatewayReason.GATEWAY_REASON_UNSPECIFIED,
        attempts: 1,
      });
    default:
      return void expect(result).toMatchObject({
        forwarded: true,
        upstreamAccepted: true,
        reasonCode: GatewayReason.GATEWAY_REASON_UNSPECIFIED,
        attempts: 2,
      });
  }
}

const upstream = new ScriptedUpstream();
let upstreamUrl = "";
const dir = mkdtempSync(join(tmpdir(), "gh-sf-invariant-"));

beforeAll(async () => {
  upstreamUrl = await upstream.start();
});

afterAll(async () => {
  await upstream.close();
});

describe("the 1:1 invariant", () => {
  it("holds for random mixes of outcomes, capacities and drop policies", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...BEHAVIOURS), { minLength: 1, maxLength: 24 }),
        fc.integer({ min: 2, max: 12 }),
        fc.constantFrom("drop_new" as const, "drop_old" as const),
        async (drawn, capacity, policy) => {
          // drop_old's stream refuses beyond twice the capacity; keep to what it can queue.
          const behaviours = policy === "drop_old" ? drawn.slice(0, capacity * 2) : drawn;
          const ns = await openNamespace(`inv${run}`);
          const file = join(dir, `run${run++}.toml`);
          const config = forwarderConfig(ns, upstreamUrl, {
            log_level: "error",
            share_forward_queue_size: capacity,
            share_forward_queue_drop_policy: policy,
            share_forward_max_in_flight: 4,
            share_upstream_retries: RETRIES,
            share_upstream_submit_timeout_ms: TIMEOUT_MS,
            share_upstream_backoff_base_ms: 5,
            share_upstream_backoff_max_ms: 20,
            share_upstream_outage_failures: 10_000,
            http_addr: "127.0.0.1:0",
            grpc_addr: "127.0.0.1:0",
          });
          writeFileSync(file, toToml(config));
          let running: RunningService<Config> | undefined;
          const list = shares(ns, behaviours.length);
          for (const [i, share] of list.entries()) upstream.script.set(share.eventId, behaviours[i] as Behaviour);
          try {
            running = await startService(service, { argv: ["--config", file], env: {} });
            const admin = adminClient(running.endpoints.grpc as string);
            try {
              await admin.pause();
              const outcomes = await publish(ns, list);
              const overflow = Math.max(0, list.length - capacity);
              // drop_new: the newest overflow is refused at publish; drop_old: the oldest is evicted.
              const lost = new Set((policy === "drop_new" ? list.slice(capacity) : list.slice(0, overflow)).map((s) => s.eventId));
              expect(outcomes.filter((o) => o === "dropped")).toHaveLength(policy === "drop_new" ? overflow : 0);
              await waitFor(async () => (await resultCount(ns)) === overflow, {
                timeoutMs: 30_000,
                description: `${overflow} overflow results`,
              });
              await admin.resume();
              await waitFor(async () => (await resultCount(ns)) >= list.length, {
                timeoutMs: 60_000,
                description: `${list.length} results`,
              });
              const results = await readResults(ns);
              expect(results).toHaveLength(list.length);
              const byEvent = new Map(results.map((r) => [r.eventId, r]));
              expect(byEvent.size).toBe(list.length);
              list.forEach((share, i) => {
                const result = byEvent.get(share.eventId) as ShareForwardResult;
                expect(result.shareId).toBe(share.shareId);
                if (lost.has(share.eventId)) {
                  const reason = policy === "drop_new" ? GatewayReason.share_dropped_queue_full : GatewayReason.share_evicted_from_queue;
                  expect(result).toMatchObject({ forwarded: false, reasonCode: reason, attempts: 0 });
                } else {
                  expectOutcome(result, behaviours[i] as Behaviour);
                }
              });
            } finally {
              admin.close();
            }
          } finally {
            await running?.stop("test done");
            await closeNamespace(ns);
          }
        },
      ),
      { numRuns: Number(process.env.GH_TEST_INVARIANT_RUNS ?? 8), endOnFailure: true },
    );
  }, 400_000);
});
