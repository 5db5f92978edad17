// End to end: a JSON-RPC client against relay-gateway with four real relay-node processes (F = 1)
// over the shared NATS and Redis, in a namespace of their own. Needs `make build`.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { decryptWithEnclaveKey, type JsonObject, METHOD_CAPABILITY_EXECUTE, METHOD_SECRETS_GET, putSecret } from "@gatehouse/relay";
import { createLogger, createRedis, type Redis } from "@gatehouse/service";
import { getJson, redisUrl, repoRoot, type ServiceProcess, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { capabilityParams, enclaveKey, enclavePub, intruderKey, owner, RelayDon, secretsParams } from "./support/relay-don.js";

const run = promisify(execFile);

const TOKEN = "e2e-bearer-token";
const OTHER_TOKEN = "e2e-other-token";
let hold: Server;
let holdUrl = "";
const held: ServerResponse[] = [];
const relayDon = new RelayDon({ name: "e2e", tokens: { "enclave-a": TOKEN, "enclave-b": OTHER_TOKEN } });
const { ns, nodes, procs } = relayDon;
let redis: Redis;

const startGateway = (id: string) => relayDon.startGateway(id);

async function rpc(gateway: ServiceProcess, id: string, method: string, params: JsonObject, token = TOKEN) {
  const res = await fetch(gateway.endpoints.jsonrpc as string, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
  });
  return {
    status: res.status,
    body: (await res.json()) as { id: string; method: string; result?: JsonObject; error?: { code: number; message: string } },
  };
}

beforeAll(async () => {
  // An upstream for the `http` capability that holds every call until the test ends: requests in flight.
  hold = createServer((_req: IncomingMessage, res: ServerResponse) => held.push(res));
  await new Promise<void>((resolve) => hold.listen(0, "127.0.0.1", resolve));
  holdUrl = `http://127.0.0.1:${(hold.address() as AddressInfo).port}/`;

  redis = createRedis(
    { url: redisUrl(), key_prefix: ns.redisPrefix },
    createLogger({ service: "test", instanceId: "t", level: "fatal" }),
    "relay-e2e",
  );
  await putSecret(redis, owner, { namespace: "main", key: "db" }, Buffer.from("p@ssw0rd"), enclavePub);
  await relayDon.startNodes({ http_capability_url: holdUrl, http_capability_timeout_ms: 20_000 });
  await startGateway("gw-a");
}, 200_000);

afterAll(async () => {
  for (const res of held) res.destroy();
  await relayDon.stop();
  await new Promise((resolve) => hold.close(resolve));
  await redis.quit();
});

describe("relay-gateway with four relay-node processes (F = 1)", () => {
  it("becomes ready once the members answer probes", async () => {
    const gw = procs.get("gw-a") as ServiceProcess;
    const ready = await waitFor(async () => ((await getJson(`${gw.endpoints.ops}/readyz`)).status === 200 ? true : undefined), {
      description: "gateway ready",
    });
    expect(ready).toBe(true);
    expect((await fetch(`${(gw.endpoints.jsonrpc as string).replace(/\/$/, "")}/health`)).status).toBe(200);
  });

  it("serves confidential.secrets.get: the enclave decrypts the agreed ciphertext", async () => {
    const gw = procs.get("gw-a") as ServiceProcess;
    const { status, body } = await rpc(gw, "s-1", METHOD_SECRETS_GET, secretsParams(["db"]));
    expect(status).toBe(200);
    expect(body.id).toBe("s-1");
    expect(body.method).toBe(METHOD_SECRETS_GET);
    const secrets = body.result?.secrets as Array<{ id: unknown; ciphertext: string; encrypted_shares: string[] }>;
    expect(secrets[0]?.id).toEqual({ key: "db", namespace: "main" });
    expect(Buffer.from(decryptWithEnclaveKey(enclaveKey, secrets[0]?.ciphertext as string)).toString()).toBe("p@ssw0rd");
  });

  it("serves confidential.capability.execute through the capability registry", async () => {
    const gw = procs.get("gw-a") as ServiceProcess;
    const { status, body } = await rpc(gw, "c-1", METHOD_CAPABILITY_EXECUTE, capabilityParams("hash", Buffer.from("abc")));
    expect(status).toBe(200);
    expect(body.result).toEqual({ payload: createHash("sha256").update("abc").digest("base64") });
  });

  it("returns agreed node errors as JSON-RPC errors (HTTP 200), and refuses unattested enclaves as the caller's fault", async () => {
    const gw = procs.get("gw-a") as ServiceProcess;
    const missing = await rpc(gw, "m-1", METHOD_SECRETS_GET, secretsParams(["nope"]));
    expect([missing.status, missing.body.id, missing.body.error]).toEqual([
      200,
      "m-1",
      { code: -32602, message: "secret not found: main/nope", data: null },
    ]);
    const intruder = await rpc(gw, "i-1", METHOD_SECRETS_GET, secretsParams(["db"], intruderKey));
    expect([intruder.status, intruder.body.error]).toEqual([
      200,
      { code: -32602, message: "attestation is not signed by a trusted enclave key", data: null },
    ]);
  });

  it("the gatehouse relay CLI stores a secret for an owner and fetches it back through the DON", async () => {
    const gw = procs.get("gw-a") as ServiceProcess;
    const cli = [join(repoRoot(), "tools", "cli", "bin", "gatehouse.js"), "relay"];
    const env = { ...process.env, GH_CLI_NO_BUILD: "1" };
    const enclave = ["--enclave-seed", "e2e-enclave"];
    const stored = await run(
      process.execPath,
      [
        ...cli,
        "put-secret",
        "--owner",
        owner,
        "--key",
        "cli",
        "--value",
        "from-cli",
        "--redis",
        redisUrl(),
        "--redis-prefix",
        ns.redisPrefix,
        ...enclave,
      ],
      { env },
    );
    expect(stored.stdout).toContain(`stored main/cli for ${owner}`);
    const sent = await run(
      process.execPath,
      [
        ...cli,
        "send",
        "secrets.get",
        "--url",
        gw.endpoints.jsonrpc as string,
        "--token",
        TOKEN,
        "--owner",
        owner,
        "--secret",
        "main/cli",
        "--decrypt",
        ...enclave,
      ],
      { env },
    );
    expect(sent.stdout.split("\n")[0]).toBe("HTTP 200");
    expect(JSON.parse(sent.stdout.slice(sent.stdout.indexOf("{"))).result.secrets[0].plaintext).toBe("from-cli");
  });

  it("reports the DON and active requests through the gRPC admin API", async () => {
    const gw = procs.get("gw-a") as ServiceProcess;
    const cli = [join(repoRoot(), "tools", "cli", "bin", "gatehouse.js"), "grpc", "relay-gateway"];
    const env = { ...process.env, GH_CLI_NO_BUILD: "1" };
    const addr = ["--addr", gw.endpoints.grpc as string];
    const don = JSON.parse((await run(process.execPath, [...cli, "GetDonStatus", "{}", ...addr], { env })).stdout);
    expect(don).toMatchObject({ donId: "e2e", gatewayId: "gw-a", f: 1, quorumType: "f_plus_one", quorum: 2, reachableMembers: 4 });
    expect(don.members.map((m: { name: string; reachable: boolean }) => [m.name, m.reachable])).toEqual(nodes.map((n) => [n.name, true]));
    const active = JSON.parse((await run(process.execPath, [...cli, "ListActiveRequests", "{}", ...addr], { env })).stdout);
    expect(active.total ?? 0).toBe(0);
  });

  it("rejects a duplicate id while active but serves the same id from another sender", async () => {
    const gw = procs.get("gw-a") as ServiceProcess;
    const params = capabilityParams("http", Buffer.from("slow"));
    const first = rpc(gw, "same", METHOD_CAPABILITY_EXECUTE, params);
    await waitFor(() => held.length >= 4, { description: "held upstream calls" });
    const dup = await rpc(gw, "same", METHOD_CAPABILITY_EXECUTE, params);
    expect([dup.status, dup.body.error]).toEqual([200, { code: -32600, message: "request ID already exists: same", data: null }]);
    const other = await rpc(gw, "same", METHOD_CAPABILITY_EXECUTE, capabilityParams("echo", Buffer.from("hi")), OTHER_TOKEN);
    expect([other.status, other.body.result]).toEqual([200, { payload: Buffer.from("hi").toString("base64") }]);
    for (const res of held.splice(0)) res.end("released");
    expect((await first).body.result).toEqual({ payload: Buffer.from("released").toString("base64") });
  });

  it("a second replica with its own gateway id serves too", async () => {
    const b = await startGateway("gw-b");
    const { status, body } = await rpc(b, "r-1", METHOD_CAPABILITY_EXECUTE, capabilityParams("echo", Buffer.from("replica")));
    expect([status, body.result]).toEqual([200, { payload: Buffer.from("replica").toString("base64") }]);
  });

  it("a gateway restart with requests in flight answers them cleanly, then serves again", async () => {
    const b = procs.get("gw-b") as ServiceProcess;
    const before = held.length;
    const inFlight = [1, 2, 3].map((i) => rpc(b, `flight-${i}`, METHOD_CAPABILITY_EXECUTE, capabilityParams("http", Buffer.from(`f${i}`))));
    await waitFor(() => held.length >= before + 12, { description: "12 held upstream calls" });
    const exit = await b.stop("SIGTERM");
    const answers = await Promise.all(inFlight);
    expect(exit.code).toBe(0);
    for (const a of answers)
      expect([a.status, a.body.error]).toEqual([200, { code: -32603, message: "gateway shutting down: request abandoned", data: null }]);
    const again = await startGateway("gw-b");
    const { status } = await rpc(again, "after-restart", METHOD_CAPABILITY_EXECUTE, capabilityParams("echo", Buffer.from("x")));
    expect(status).toBe(200);
  }, 30_000);

  it("keeps answering with one node down and with F+1 down only fails once quorum is impossible", async () => {
    const gw = procs.get("gw-a") as ServiceProcess;
    await (procs.get("e2e-n3") as ServiceProcess).kill9();
    const one = await rpc(gw, "down-1", METHOD_CAPABILITY_EXECUTE, capabilityParams("echo", Buffer.from("1")));
    expect(one.status).toBe(200);
    await (procs.get("e2e-n2") as ServiceProcess).kill9();
    const two = await rpc(gw, "down-2", METHOD_CAPABILITY_EXECUTE, capabilityParams("echo", Buffer.from("2")));
    expect(two.status).toBe(200);
    await (procs.get("e2e-n1") as ServiceProcess).kill9();
    const started = Date.now();
    const three = await rpc(gw, "down-3", METHOD_CAPABILITY_EXECUTE, capabilityParams("echo", Buffer.from("3")));
    expect([three.status, three.body.error?.message]).toEqual([200, "failed to forward user request to nodes"]);
    expect(Date.now() - started).toBeLessThan(2_000);
    await (procs.get("e2e-n0") as ServiceProcess).kill9();
    const none = await rpc(gw, "down-4", METHOD_CAPABILITY_EXECUTE, capabilityParams("echo", Buffer.from("4")));
    expect([none.status, none.body.error?.code]).toEqual([200, -32603]);
    const ready = await waitFor(async () => ((await getJson(`${gw.endpoints.ops}/readyz`)).status === 503 ? true : undefined), {
      description: "gateway not ready without members",
    });
    expect(ready).toBe(true);
    const metrics = await (await fetch(`${gw.endpoints.ops}/metrics`)).text();
    expect(metrics).toMatch(/gatehouse_relay_gateway_requests_total\{method="confidential.capability.execute",outcome="fanout_failed"\} 2/);
  }, 30_000);

  it("drains through the admin API: nothing left in flight, new requests refused with 503 and a JSON-RPC error", async () => {
    const gw = procs.get("gw-a") as ServiceProcess;
    const cli = [join(repoRoot(), "tools", "cli", "bin", "gatehouse.js"), "grpc", "relay-gateway"];
    const env = { ...process.env, GH_CLI_NO_BUILD: "1" };
    const { stdout } = await run(process.execPath, [...cli, "Drain", '{"timeoutMs":"1000"}', "--addr", gw.endpoints.grpc as string], {
      env,
    });
    expect(JSON.parse(stdout).remaining ?? 0).toBe(0);
    const refused = await rpc(gw, "after-drain", METHOD_CAPABILITY_EXECUTE, capabilityParams("echo", Buffer.from("x")));
    expect([refused.status, refused.body.error?.message]).toEqual([503, "gateway is draining"]);
  });
});
