import type { Resource } from "./render.js";
import { isEmptySelector, type LabelSelector, selects } from "./selector.js";

type Labels = Record<string, string>;

interface Pod {
  id: string;
  labels: Labels;
  ports: Map<string, number>;
}

interface PolicyPort {
  port?: string | number;
}

interface NetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes?: string[];
  ingress?: { ports?: PolicyPort[] }[];
  egress?: { to?: { podSelector?: LabelSelector; namespaceSelector?: LabelSelector }[]; ports?: PolicyPort[] }[];
}

/**
 * Services whose replicas are distinct identities (each relay-node is one DON member with its own
 * key), so an autoscaler must never add copies of them.
 */
const FIXED_IDENTITY = new Set(["relay-node"]);

const id = (r: Resource) => `${r.kind}/${r.metadata.name}`;

function pods(resources: Resource[]): Pod[] {
  return resources
    .filter((r) => ["Deployment", "StatefulSet", "DaemonSet"].includes(r.kind))
    .map((w) => {
      const template = (
        w.spec as {
          template: { metadata: { labels?: Labels }; spec: { containers: { ports?: { name?: string; containerPort: number }[] }[] } };
        }
      ).template;
      const ports = new Map(template.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => [p.name ?? "", p.containerPort] as const)));
      return { id: id(w), labels: template.metadata.labels ?? {}, ports };
    });
}

/** Every value an `In` expression names must be a workload's label value: a typo there silently cuts a flow. */
function unknownInValues(selector: LabelSelector, all: Pod[]): string[] {
  return (selector.matchExpressions ?? [])
    .filter((e) => e.operator === "In")
    .flatMap((e) => (e.values ?? []).filter((v) => !all.some((p) => p.labels[e.key] === v)).map((v) => `${e.key}=${v}`));
}

/** Problems of the NetworkPolicies: a default deny, selectors that select, ports that exist. */
export function networkPolicyProblems(resources: Resource[]): string[] {
  const policies = resources.filter((r) => r.kind === "NetworkPolicy");
  if (policies.length === 0) return ["no NetworkPolicy: the namespace needs a default deny and the allowed flows"];
  const all = pods(resources);
  const problems: string[] = [];
  const isDefaultDeny = (spec: NetworkPolicySpec) =>
    isEmptySelector(spec.podSelector) && ["Ingress", "Egress"].every((t) => spec.policyTypes?.includes(t)) && !spec.ingress && !spec.egress;
  if (!policies.some((p) => isDefaultDeny(p.spec as NetworkPolicySpec)))
    problems.push("no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)");

  for (const policy of policies) {
    const spec = policy.spec as NetworkPolicySpec;
    const selected = all.filter((p) => selects(spec.podSelector, p.labels));
    if (selected.length === 0) problems.push(`${id(policy)}: podSelector matches no workload`);
    for (const v of unknownInValues(spec.podSelector, all)) problems.push(`${id(policy)}: podSelector names ${v}, which no workload has`);
    for (const rule of spec.ingress ?? []) {
      for (const { port } of rule.ports ?? []) {
        const missing = selected.filter((p) =>
          typeof port === "string" ? !p.ports.has(port) : ![...p.ports.values()].includes(port as number),
        );
        if (missing.length > 0)
          problems.push(`${id(policy)}: ingress port ${port} is not a container port of ${missing.map((p) => p.id).join(", ")}`);
      }
    }
    for (const rule of spec.egress ?? []) {
      for (const peer of rule.to ?? []) {
        if (!peer.podSelector || peer.namespaceSelector) continue;
        const targets = all.filter((p) => selects(peer.podSelector, p.labels));
        if (targets.length === 0) problems.push(`${id(policy)}: egress podSelector matches no workload`);
        for (const { port } of rule.ports ?? []) {
          if (!targets.every((t) => [...t.ports.values()].includes(port as number) || t.ports.has(String(port))))
            problems.push(`${id(policy)}: egress port ${port} is not a container port of ${targets.map((p) => p.id).join(", ")}`);
        }
      }
    }
  }
  return problems;
}

/** Autoscalers must target an existing Deployment, and never one whose replicas are identities. */
export function autoscalerProblems(resources: Resource[]): string[] {
  return resources
    .filter((r) => r.kind === "HorizontalPodAutoscaler")
    .flatMap((hpa) => {
      const target = (hpa.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
      if (!resources.some((r) => r.kind === target.kind && r.metadata.name === target.name))
        return [`${id(hpa)}: scaleTargetRef ${target.kind}/${target.name} does not exist`];
      if (FIXED_IDENTITY.has(target.name)) return [`${id(hpa)}: ${target.name} replicas are distinct identities and must not autoscale`];
      return [];
    });
}

/**
 * When the Prometheus operator is in use (any ServiceMonitor), every Gatehouse service needs one,
 * and each must select a Service that has the port it scrapes.
 */
export function serviceMonitorProblems(resources: Resource[], services: string[]): string[] {
  const monitors = resources.filter((r) => r.kind === "ServiceMonitor");
  if (monitors.length === 0) return [];
  const svcs = resources.filter((r) => r.kind === "Service");
  const problems: string[] = [];
  const covered = new Set<string>();
  for (const monitor of monitors) {
    const spec = monitor.spec as { selector: LabelSelector; endpoints: { port?: string }[] };
    const targets = svcs.filter((s) => selects(spec.selector, s.metadata.labels));
    if (targets.length === 0) problems.push(`${id(monitor)}: selector matches no Service`);
    for (const target of targets) {
      covered.add(target.metadata.name);
      const ports = new Set(((target.spec as { ports?: { name?: string }[] }).ports ?? []).map((p) => p.name));
      for (const endpoint of spec.endpoints)
        if (!endpoint.port || !ports.has(endpoint.port))
          problems.push(`${id(monitor)}: Service/${target.metadata.name} has no port ${endpoint.port}`);
    }
  }
  for (const service of services) if (!covered.has(service)) problems.push(`service ${service}: no ServiceMonitor`);
  return problems;
}
