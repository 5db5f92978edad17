// Start-up refuses bad and unsafe configuration with one line per problem and exit code 78,
// and the ops API key protects every route.
import { spawnSync } from "node:child_process";
import { getJson, natsUrl, ServiceProcess, serviceMain, testNamespace } from "@gatehouse/testkit";
import { afterAll, describe, expect, it } from "@jest/globals";

const ns = testNamespace("cfg");
const procs: ServiceProcess[] = [];
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop("SIGKILL")));
});

function run(service: string, env: Record<string, string>) {
  return spawnSync(process.execPath, [serviceMain(service)], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 20_000 });
}

describe("configuration at start-up", () => {
  it("exits 78 with one line per problem", () => {
    const result = run("share-forwarder", {
      GH_SHARE_FORWARDER_HTTP_ADDR: "nowhere",
      GH_SHARE_FORWARDER_LOG_LEVEL: "loud",
      GH_SHARE_FORWARDER_NATS_SUBJECT_ROOT: "a b",
    });
    expect(result.status).toBe(78);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines).toEqual(
      expect.arrayContaining([
        "share-forwarder: http_addr: must be host:port (from GH_SHARE_FORWARDER_HTTP_ADDR)",
        expect.stringMatching(/^share-forwarder: log_level: .*\(from GH_SHARE_FORWARDER_LOG_LEVEL\)$/),
        expect.stringMatching(/^share-forwarder: nats.subject_root: must be dot-separated subject tokens/),
      ]),
    );
  });

  it("refuses a non-loopback ops address without an API key unless GH_ALLOW_NO_API_KEY is set", () => {
    const unsafe = run("share-forwarder", { GH_SHARE_FORWARDER_HTTP_ADDR: "0.0.0.0:0", GH_SHARE_FORWARDER_GRPC_ADDR: "127.0.0.1:0" });
    expect(unsafe.status).toBe(78);
    expect(unsafe.stderr).toContain(
      "share-forwarder: unsafe configuration: http_addr 0.0.0.0:0 is not loopback and http_api_key is not set (set GH_ALLOW_NO_API_KEY=1 to allow)",
    );
    const checked = spawnSync(process.execPath, [serviceMain("share-forwarder"), "--check-config"], {
      env: { ...process.env, GH_SHARE_FORWARDER_HTTP_ADDR: "0.0.0.0:0", VELDRA_ALLOW_NO_API_KEY: "1" },
      encoding: "utf8",
    });
    expect(checked.status).toBe(0);
    expect(checked.stdout).toBe("share-forwarder: configuration ok\n");
  });
});

describe("the ops API key", () => {
  it("is required on every route except the probes when they are made public, and on gRPC", async () => {
    const proc = await ServiceProcess.start({
      service: "share-forwarder",
      config: { http_api_key: "k3y", http_probes_public: true, nats: { url: natsUrl(), subject_root: ns.subjectRoot } },
    });
    procs.push(proc);
    const ops = proc.endpoints.ops as string;
    expect((await getJson(`${ops}/metrics`)).status).toBe(401);
    expect((await getJson(`${ops}/metrics`, { "x-api-key": "wrong" })).status).toBe(401);
    expect((await getJson(`${ops}/metrics`, { "x-api-key": "k3y" })).status).toBe(200);
    expect(await getJson(`${ops}/readyz`)).toEqual({ status: 200, body: { status: "ready" } });
    expect((await getJson(`${ops}/readyz`, { "x-api-key": "k3y" })).body).toMatchObject({
      status: "ready",
      checks: [{ name: "nats", ok: true }],
    });
    expect((await getJson(`${ops}/nothing`, { "x-api-key": "k3y" })).status).toBe(404);
    const text = JSON.stringify(proc.lines);
    expect(text).not.toContain("k3y");
  });
});
