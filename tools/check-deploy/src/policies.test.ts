import { describe, expect, it } from "@jest/globals";
import { autoscalerProblems, networkPolicyProblems, serviceMonitorProblems } from "./policies.js";
import type { Resource } from "./render.js";
import { serviceMonitorSchemaProblems } from "./service-monitor.js";

const workload = (name: string, ports: Record<string, number>): Resource => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  source: "x.yaml",
  spec: {
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name, ports: Object.entries(ports).map(([n, p]) => ({ name: n, containerPort: p })) }] },
    },
  },
});
const policy = (name: string, spec: Record<string, unknown>): Resource => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name },
  source: "x.yaml",
  spec,
});
const deny = policy("deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
const pods = [workload("edge", { sv2: 3333, ops: 8082 }), workload("nats", { client: 4222 })];

describe("network policies", () => {
  it("accept a default deny with flows to real ports", () => {
    const flows = policy("edge", {
      podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["edge"] }] },
      ingress: [{ ports: [{ port: "sv2" }] }],
      egress: [{ to: [{ podSelector: { matchLabels: { app: "nats" } } }], ports: [{ port: 4222 }] }],
    });
    expect(networkPolicyProblems([...pods, deny, flows])).toEqual([]);
  });

  it("require a default deny and find selectors, names and ports that do not exist", () => {
    const bad = policy("bad", {
      podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["edge", "egde"] }] },
      ingress: [{ ports: [{ port: "grpc" }] }],
      egress: [{ to: [{ podSelector: { matchLabels: { app: "nats" } } }], ports: [{ port: 4223 }] }],
    });
    const none = policy("none", { podSelector: { matchLabels: { app: "redis" } } });
    expect(networkPolicyProblems([...pods, bad, none])).toEqual([
      "no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)",
      "NetworkPolicy/bad: podSelector names app=egde, which no workload has",
      "NetworkPolicy/bad: ingress port grpc is not a container port of Deployment/edge",
      "NetworkPolicy/bad: egress port 4223 is not a container port of Deployment/nats",
      "NetworkPolicy/none: podSelector matches no workload",
    ]);
    expect(networkPolicyProblems(pods)).toEqual(["no NetworkPolicy: the namespace needs a default deny and the allowed flows"]);
  });
});

const hpa = (target: string): Resource => ({
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: { name: target },
  source: "x.yaml",
  spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target } },
});

describe("autoscalers", () => {
  it("must target an existing Deployment that is not made of distinct identities", () => {
    expect(autoscalerProblems([...pods, workload("relay-node", {}), hpa("edge"), hpa("gone"), hpa("relay-node")])).toEqual([
      "HorizontalPodAutoscaler/gone: scaleTargetRef Deployment/gone does not exist",
      "HorizontalPodAutoscaler/relay-node: relay-node replicas are distinct identities and must not autoscale",
    ]);
  });
});

const monitor = (name: string, app: string, port = "ops"): Resource => ({
  apiVersion: "monitoring.coreos.com/v1",
  kind: "ServiceMonitor",
  metadata: { name },
  source: "x.yaml",
  spec: { selector: { matchLabels: { app } }, endpoints: [{ port, path: "/metrics", interval: "15s" }] },
});
const service = (name: string): Resource => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, labels: { app: name } },
  source: "x.yaml",
  spec: { ports: [{ name: "ops", port: 1 }] },
});

describe("service monitors", () => {
  it("cover every service, select a Service and scrape a port it has", () => {
    expect(serviceMonitorProblems([service("edge"), service("gw"), monitor("edge", "edge")], ["edge", "gw"])).toEqual([
      "service gw: no ServiceMonitor",
    ]);
    expect(serviceMonitorProblems([service("edge"), monitor("edge", "edge", "metrics"), monitor("x", "nobody")], ["edge"])).toEqual([
      "ServiceMonitor/edge: Service/edge has no port metrics",
      "ServiceMonitor/x: selector matches no Service",
    ]);
    expect(serviceMonitorProblems([service("edge")], ["edge"])).toEqual([]);
  });

  it("validate the ServiceMonitor fields", () => {
    expect(serviceMonitorSchemaProblems(monitor("edge", "edge") as unknown as Record<string, unknown>)).toEqual([]);
    expect(
      serviceMonitorSchemaProblems({
        metadata: {},
        spec: {
          selector: {},
          namespaceSelector: { matchNames: "gatehouse" },
          endpoints: [{ port: 8082, path: "metrics", interval: "15", targetPort: 1 }],
        },
      }),
    ).toEqual([
      "metadata.name is required",
      "spec.namespaceSelector must be {any: true} or {matchNames: [...]}",
      "spec.endpoints[0].targetPort is not a ServiceMonitor endpoint field this check knows",
      "spec.endpoints[0].port must be a named Service port",
      "spec.endpoints[0].path must start with /",
      "spec.endpoints[0].interval must be a duration such as 30s",
    ]);
    expect(serviceMonitorSchemaProblems({ metadata: { name: "x" }, spec: { selector: {}, endpoints: [] } })).toEqual([
      "spec.endpoints must be a non-empty list",
    ]);
  });
});
