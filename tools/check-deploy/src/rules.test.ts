import { describe, expect, it } from "@jest/globals";
import type { Resource } from "./render.js";
import { ruleProblems } from "./rules.js";

function deployment(name: string, overrides: { podLabel?: string; probes?: boolean; ports?: string[] } = {}): Resource {
  const probe = (path: string) => ({ httpGet: { path, port: "ops" } });
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    source: "x.yaml",
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: overrides.podLabel ?? name } },
        spec: {
          containers: [
            {
              name,
              ports: (overrides.ports ?? ["ops"]).map((p, i) => ({ name: p, containerPort: 8000 + i })),
              resources: { requests: { cpu: "1" }, limits: { cpu: "1" } },
              ...(overrides.probes === false ? {} : { livenessProbe: probe("/healthz"), readinessProbe: probe("/readyz") }),
              env: [{ name: "GH_X_HTTP_API_KEY", valueFrom: { secretKeyRef: { name: "ops-secret", key: "k" } } }],
            },
          ],
          volumes: [{ name: "config", configMap: { name: `${name}-config` } }],
        },
      },
    },
  };
}
const service = (name: string, selector: string, targetPort = "ops"): Resource => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  source: "x.yaml",
  spec: { selector: { app: selector }, ports: [{ name: "ops", port: 1, targetPort }] },
});
const pdb = (name: string, selector: string): Resource => ({
  apiVersion: "policy/v1",
  kind: "PodDisruptionBudget",
  metadata: { name },
  source: "x.yaml",
  spec: { maxUnavailable: 1, selector: { matchLabels: { app: selector } } },
});
const configMap = (name: string): Resource => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, source: "x.yaml" });

describe("deploy rules", () => {
  it("accept a complete service and report the secrets the cluster must provide", () => {
    const result = ruleProblems([deployment("edge"), service("edge", "edge"), pdb("edge", "edge"), configMap("edge-config")], ["edge"]);
    expect(result).toEqual({ problems: [], externalSecrets: ["ops-secret"] });
  });

  it("find selectors that select nothing, unknown ports, missing probes, config maps and budgets", () => {
    const { problems } = ruleProblems(
      [
        deployment("edge", { podLabel: "other", probes: false }),
        service("edge", "nobody"),
        service("web", "other", "http"),
        pdb("x", "nobody"),
      ],
      ["edge", "verifier"],
    );
    expect(problems).toEqual([
      "Deployment/edge: selector does not match its pod template labels",
      "Deployment/edge/edge: needs liveness and readiness probes",
      "Deployment/edge: volume config uses missing ConfigMap edge-config",
      "Service/edge: selector matches no workload",
      "Service/web: targetPort http is not a container port of Deployment/edge",
      "PodDisruptionBudget/x: selector matches no workload",
      "Deployment/edge: liveness probe must GET /healthz",
      "Deployment/edge: readiness probe must GET /readyz",
      "service edge: no PodDisruptionBudget",
      "service verifier: no Deployment named verifier",
    ]);
  });
});
