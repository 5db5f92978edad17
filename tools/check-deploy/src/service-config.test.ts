import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import type { Resource } from "./render.js";
import { serviceConfigProblems } from "./service-config.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

const configMap = (toml: string): Resource => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "orchestrator-config" },
  source: "x.yaml",
  data: { "config.toml": toml },
});
const deployment = (env: unknown[]): Resource => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "orchestrator" },
  source: "x.yaml",
  spec: { template: { spec: { containers: [{ name: "orchestrator", env }] } } },
});
const toml = 'http_api_key = "k"\nhttp_addr = "0.0.0.0:8087"\n[api]\naddr = "0.0.0.0:3000"\n';

// Uses services/orchestrator/dist (make build), like make check-deploy.
describe("service configuration in the manifests", () => {
  it("refuses an unsafe setting without its flag, and accepts it once a Secret provides the keys (as a list)", async () => {
    expect(await serviceConfigProblems(root, [configMap(toml), deployment([])], ["orchestrator"])).toEqual([
      "ConfigMap/orchestrator-config + Deployment/orchestrator: unsafe configuration: api.addr 0.0.0.0:3000 is not loopback and api.api_keys is empty (set GH_ALLOW_NO_API_KEY=1 to allow)",
    ]);
    const fromSecret = { name: "GH_ORCHESTRATOR_API_API_KEYS", valueFrom: { secretKeyRef: { name: "s", key: "k" } } };
    expect(await serviceConfigProblems(root, [configMap(toml), deployment([fromSecret])], ["orchestrator"])).toEqual([]);
  });

  it("reports keys the schema refuses, from the file or the Deployment's environment", async () => {
    const problems = await serviceConfigProblems(
      root,
      [configMap(`${toml}bogus = 1\n`), deployment([{ name: "GH_ORCHESTRATOR_ENGINE_TICK_MS", value: "-5" }])],
      ["orchestrator"],
    );
    expect(problems.some((p) => p.includes("bogus"))).toBe(true);
    expect(problems.some((p) => p.includes("engine.tick_ms"))).toBe(true);
  });
});
