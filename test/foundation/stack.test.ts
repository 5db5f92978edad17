// The six service skeletons as real processes on the shared NATS and Redis, in a namespace of
// their own: they boot, report ready, expose clean metrics, pass a protobuf message between two of
// them over NATS, and stop cleanly on SIGTERM.
import { execFileSync } from "node:child_process";
import { getJson, natsUrl, redisUrl, ServiceProcess, testNamespace, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";

const ns = testNamespace("stack");
const SERVICES = ["template-verifier", "share-forwarder", "miner-edge", "relay-gateway", "relay-node", "orchestrator"];
const REDIS = new Set(["miner-edge", "relay-gateway", "relay-node", "orchestrator"]);
const running = new Map<string, ServiceProcess>();
// The relay services need a DON: here one relay-node with the dev key of relay-node-0 (N = 1, F = 0).
const RELAY_CONFIG: Record<string, Record<string, unknown>> = {
  "relay-gateway": {
    rpc_addr: "127.0.0.1:0",
    auth: { mode: "none" },
    don: { f: 0, members: [{ name: "relay-node-0", address: "0x25f70611a1574a2fea6fbb2654e75aee7cbf4261" }] },
  },
  "relay-node": {
    node_name: "relay-node-0",
    dev_key_seed: "relay-node-0",
    attestation: { mode: "dev", dev_enclave_addresses: ["0x7c66fc1aaa2776cb451e651fb82c5eb5737d6cdc"] },
  },
};
/** Readiness checks beyond nats/redis: the gateway is ready once enough DON members answer. */
const EXTRA_CHECKS: Record<string, string[]> = {
  "relay-gateway": ["don"],
  "share-forwarder": ["share-upstream"],
  "template-verifier": ["policy"],
  orchestrator: ["workflows"],
};
/** Checks that fail here by design: the orchestrator has no chain, so it serves no workflows (test/disabled). */
const FAILING_HERE: Record<string, string[]> = { orchestrator: ["workflows"] };

function configFor(service: string): Record<string, unknown> {
  return {
    nats: { url: natsUrl(), subject_root: ns.subjectRoot, stream_prefix: ns.streamPrefix },
    ...(REDIS.has(service) ? { redis: { url: redisUrl(), key_prefix: ns.redisPrefix } } : {}),
    ...(service === "template-verifier" ? { verifier_heartbeat_interval_ms: 100 } : {}),
    ...(service === "share-forwarder"
      ? {
          mode: "observe",
          share_upstream_url: "http://127.0.0.1:9/shares",
          share_upstream_secret: `whsec_${Buffer.alloc(32, 1).toString("base64")}`,
        }
      : {}),
    ...(RELAY_CONFIG[service] ?? {}),
  };
}

beforeAll(async () => {
  const started = await Promise.all(SERVICES.map((service) => ServiceProcess.start({ service, config: configFor(service) })));
  for (const proc of started) running.set(proc.name, proc);
}, 60_000);

afterAll(async () => {
  await Promise.all([...running.values()].map((p) => p.stop("SIGKILL")));
});

describe("the six services", () => {
  it("each report ready once NATS (and Redis where used) are reachable", async () => {
    for (const [name, proc] of running) {
      const failing = FAILING_HERE[name] ?? [];
      const { status, body } = await waitFor(
        async () => {
          const res = await getJson(`${proc.endpoints.ops}/readyz`);
          const checks = (res.body as { checks?: { name: string; ok: boolean }[] }).checks ?? [];
          return checks.length > 0 && checks.every((c) => c.ok !== failing.includes(c.name)) ? res : undefined;
        },
        { description: `${name} ready` },
      );
      expect(status).toBe(failing.length > 0 ? 503 : 200);
      const checks = (body as { checks: { name: string }[] }).checks.map((c) => c.name).sort();
      expect(checks).toEqual([...(EXTRA_CHECKS[name] ?? []), ...(REDIS.has(name) ? ["nats", "redis"] : ["nats"])].sort());
      expect((await getJson(`${proc.endpoints.ops}/healthz`)).body).toEqual({ status: "ok" });
    }
  });

  it("expose /metrics that promtool accepts, every name gatehouse_<service>_", async () => {
    for (const [name, proc] of running) {
      const text = await (await fetch(`${proc.endpoints.ops}/metrics`)).text();
      execFileSync("promtool", ["check", "metrics"], { input: text });
      const prefix = `gatehouse_${name.replace(/-/g, "_")}_`;
      const names = text
        .split("\n")
        .filter((line) => line.startsWith("# TYPE "))
        .map((line) => line.split(" ")[2] as string);
      expect(names.length).toBeGreaterThan(10);
      expect(names.filter((n) => !n.startsWith(prefix))).toEqual([]);
      expect(text).toMatch(new RegExp(`^${prefix}ready ${FAILING_HERE[name] ? 0 : 1}$`, "m"));
    }
  });

  it("pass a VerifierHeartbeat from template-verifier to miner-edge over NATS", async () => {
    const edge = running.get("miner-edge") as ServiceProcess;
    const count = await waitFor(
      async () => {
        const text = await (await fetch(`${edge.endpoints.ops}/metrics`)).text();
        const match = /^gatehouse_miner_edge_verifier_heartbeats_total (\d+)$/m.exec(text);
        return match && Number(match[1]) >= 3 ? Number(match[1]) : undefined;
      },
      { description: "three heartbeats at the edge" },
    );
    expect(count).toBeGreaterThanOrEqual(3);
    const verifier = running.get("template-verifier") as ServiceProcess;
    const verifierText = await (await fetch(`${verifier.endpoints.ops}/metrics`)).text();
    expect(Number(/^gatehouse_template_verifier_heartbeats_sent_total (\d+)$/m.exec(verifierText)?.[1])).toBeGreaterThanOrEqual(count);
  });

  it("stop cleanly on SIGTERM: exit 0 after logging the shutdown", async () => {
    const proc = running.get("share-forwarder") as ServiceProcess;
    running.delete("share-forwarder");
    const status = await proc.stop("SIGTERM");
    expect(status).toEqual({ code: 0, signal: null });
    expect(proc.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(["shutting down", "stopped"]));
  });
});
