// Start-up refuses bad and unsafe configuration with one line per problem and exit code 78,
// and the ops API key protects every route.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { get } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getJson, natsUrl, ServiceProcess, testNamespace } from "@gatehouse/testkit";
import { afterAll, describe, expect, it } from "@jest/globals";

const ns = testNamespace("cfg");
const procs: ServiceProcess[] = [];
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop("SIGKILL")));
});

const entry = join(import.meta.dirname, "fixtures", "minimal-service.mjs");
const service = "minimal";

function run(env: Record<string, string>, args: string[] = []) {
  return spawnSync(process.execPath, [entry, ...args], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 20_000 });
}

const start = (config: Record<string, unknown>) =>
  ServiceProcess.start({ service, entry, config: { nats: { url: natsUrl(), subject_root: ns.subjectRoot }, ...config } });

describe("configuration at start-up", () => {
  it("exits 78 with one line per problem", () => {
    const result = run({
      GH_MINIMAL_HTTP_ADDR: "nowhere",
      GH_MINIMAL_LOG_LEVEL: "loud",
      GH_MINIMAL_NATS_SUBJECT_ROOT: "a b",
    });
    expect(result.status).toBe(78);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines).toEqual(
      expect.arrayContaining([
        "minimal: http_addr: must be host:port (from GH_MINIMAL_HTTP_ADDR)",
        expect.stringMatching(/^minimal: log_level: .*\(from GH_MINIMAL_LOG_LEVEL\)$/),
        expect.stringMatching(/^minimal: nats.subject_root: must be dot-separated subject tokens/),
      ]),
    );
  });

  it("refuses a non-loopback ops address without an API key unless GH_ALLOW_NO_API_KEY is set", () => {
    const unsafe = run({ GH_MINIMAL_HTTP_ADDR: "0.0.0.0:0", GH_MINIMAL_GRPC_ADDR: "127.0.0.1:0" });
    expect(unsafe.status).toBe(78);
    expect(unsafe.stderr).toContain(
      "minimal: unsafe configuration: http_addr 0.0.0.0:0 is not loopback and http_api_key is not set (set GH_ALLOW_NO_API_KEY=1 to allow)",
    );
    const checked = run({ GH_MINIMAL_HTTP_ADDR: "0.0.0.0:0", VELDRA_ALLOW_NO_API_KEY: "1" }, ["--check-config"]);
    expect(checked.status).toBe(0);
    expect(checked.stdout).toBe("minimal: configuration ok\n");
  });
});

describe("the ops API key", () => {
  it("is required on every route except the probes when they are made public", async () => {
    const proc = await start({ http_api_key: "k3y", http_probes_public: true });
    procs.push(proc);
    const ops = proc.endpoints.ops as string;
    expect((await getJson(`${ops}/metrics`)).status).toBe(401);
    expect((await getJson(`${ops}/metrics`, { "x-api-key": "wrong" })).status).toBe(401);
    expect((await getJson(`${ops}/metrics`, { "x-api-key": "k3y" })).status).toBe(200);
    expect((await getJson(`${ops}/metrics`, { authorization: "Bearer k3y" })).status).toBe(200);
    expect((await getJson(`${ops}/metrics`, { authorization: "Bearer nope" })).status).toBe(401);
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

describe("ops HTTPS", () => {
  it("serves the ops API over TLS when a certificate and key are configured", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gh-tls-"));
    const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        key,
        "-out",
        cert,
      ],
      {
        stdio: "ignore",
      },
    );
    const proc = await start({ http_tls_cert_file: cert, http_tls_key_file: key });
    procs.push(proc);
    expect(proc.endpoints.ops).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const body = await new Promise<string>((resolve, reject) => {
      get(`${proc.endpoints.ops}/healthz`, { rejectUnauthorized: false }, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve(text));
      }).on("error", reject);
    });
    expect(JSON.parse(body)).toEqual({ status: "ok" });
    await expect(fetch(proc.endpoints.ops?.replace("https:", "http:") ?? "")).rejects.toThrow();
  });

  it("refuses a certificate without its key", () => {
    const result = run({ GH_MINIMAL_HTTP_TLS_CERT_FILE: "/tmp/cert.pem" });
    expect(result.status).toBe(78);
    expect(result.stderr).toBe("minimal: http_tls_cert_file and http_tls_key_file must be set together\n");
  });
});
