// The gRPC admin server every service runs: grpc.health.v1 that follows readiness, and server
// reflection good enough for `buf curl` (the gRPC CLI that works here) to list and call methods.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { natsUrl, repoRoot, ServiceProcess, testNamespace, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";

const run = promisify(execFile);
const buf = join(repoRoot(), "node_modules", ".bin", "buf");
const ns = testNamespace("grpc");
let proc: ServiceProcess;

beforeAll(async () => {
  proc = await ServiceProcess.start({
    service: "minimal",
    entry: join(import.meta.dirname, "fixtures", "minimal-service.mjs"),
    config: { nats: { url: natsUrl(), subject_root: ns.subjectRoot } },
  });
});
afterAll(async () => {
  await proc.stop();
});

const curl = (...args: string[]) => run(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], { timeout: 20_000 });

describe("the gRPC admin server", () => {
  it("lists its methods through server reflection", async () => {
    const { stdout } = await curl("--list-methods", `http://${proc.endpoints.grpc}`);
    expect(stdout.trim().split("\n")).toEqual(["grpc.health.v1.Health/Check", "grpc.health.v1.Health/Watch"]);
  });

  it("reports SERVING on grpc.health.v1 once the service is ready, and NOT_FOUND for an unknown service", async () => {
    const status = await waitFor(
      async () => {
        const { stdout } = await curl(`http://${proc.endpoints.grpc}/grpc.health.v1.Health/Check`);
        return JSON.parse(stdout).status === "SERVING" ? "SERVING" : undefined;
      },
      { timeoutMs: 15_000, description: "SERVING" },
    );
    expect(status).toBe("SERVING");
    await expect(curl("-d", '{"service":"nope"}', `http://${proc.endpoints.grpc}/grpc.health.v1.Health/Check`)).rejects.toMatchObject({
      stderr: expect.stringContaining("not_found"),
    });
  });
});
