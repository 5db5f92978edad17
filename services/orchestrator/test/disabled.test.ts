// Without a chain (no contract address or no signer keys) the orchestrator stays up for ops but
// serves no workflows: /healthz says alive, /readyz must say not ready, with the reason.
import { natsUrl, redisUrl, removeNamespace, ServiceProcess, testNamespace } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";

let proc: ServiceProcess | undefined;
const ns = testNamespace("orchdisabled");

beforeAll(async () => {
  proc = await ServiceProcess.start({
    service: "orchestrator",
    config: {
      nats: { url: natsUrl(), subject_root: ns.subjectRoot, stream_prefix: ns.streamPrefix },
      redis: { url: redisUrl(), key_prefix: ns.redisPrefix },
    },
  });
}, 30_000);

afterAll(async () => {
  await proc?.stop();
  await removeNamespace(ns);
});

describe("orchestrator without a chain", () => {
  it("is alive but not ready, and says why", async () => {
    const ops = proc?.endpoints.ops as string;
    expect((await fetch(`${ops}/healthz`)).status).toBe(200);
    const ready = await fetch(`${ops}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { status: string; checks: Array<{ name: string; ok: boolean; reason: string }> };
    expect(body.status).toBe("not_ready");
    expect(body.checks).toContainEqual({ name: "workflows", ok: false, reason: "workflows are disabled: no chain configured" });
  });
});
