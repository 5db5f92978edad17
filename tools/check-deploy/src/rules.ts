import type { Resource } from "./render.js";

type Labels = Record<string, string>;

interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  resources?: { requests?: Labels; limits?: Labels };
  livenessProbe?: { httpGet?: { path?: string } };
  readinessProbe?: { httpGet?: { path?: string } };
}

interface PodSpec {
  containers: Container[];
  volumes?: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
}

interface Workload extends Resource {
  spec: { selector: { matchLabels?: Labels }; template: { metadata: { labels?: Labels }; spec: PodSpec } };
}

const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

const matches = (selector: Labels | undefined, labels: Labels | undefined) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

const id = (r: Resource) => `${r.kind}/${r.metadata.name}`;

/**
 * The cross-reference rules a schema cannot express: selectors that select something, ports that
 * exist, probes and resources on every container, config maps that exist, and one Deployment per
 * Gatehouse service with probes on /healthz and /readyz.
 */
export function ruleProblems(resources: Resource[], services: string[]): { problems: string[]; externalSecrets: string[] } {
  const problems: string[] = [];
  const workloads = resources.filter((r): r is Workload => WORKLOADS.has(r.kind));
  const configMaps = new Set(resources.filter((r) => r.kind === "ConfigMap").map((r) => r.metadata.name));
  const secrets = new Set(resources.filter((r) => r.kind === "Secret").map((r) => r.metadata.name));
  const externalSecrets = new Set<string>();

  for (const w of workloads) {
    const podLabels = w.spec.template.metadata.labels;
    if (!matches(w.spec.selector.matchLabels, podLabels)) problems.push(`${id(w)}: selector does not match its pod template labels`);
    for (const c of w.spec.template.spec.containers) {
      if (!c.resources?.requests || !c.resources?.limits) problems.push(`${id(w)}/${c.name}: needs resource requests and limits`);
      if (!c.livenessProbe || !c.readinessProbe) problems.push(`${id(w)}/${c.name}: needs liveness and readiness probes`);
    }
    for (const v of w.spec.template.spec.volumes ?? []) {
      if (v.configMap && !configMaps.has(v.configMap.name))
        problems.push(`${id(w)}: volume ${v.name} uses missing ConfigMap ${v.configMap.name}`);
      if (v.secret && !secrets.has(v.secret.secretName)) externalSecrets.add(v.secret.secretName);
    }
    const text = JSON.stringify(w.spec.template.spec);
    for (const match of text.matchAll(/"secretKeyRef":\{"name":"([^"]+)"/g))
      if (!secrets.has(match[1] as string)) externalSecrets.add(match[1] as string);
  }

  for (const svc of resources.filter((r) => r.kind === "Service")) {
    const spec = svc.spec as { selector?: Labels; ports?: { name?: string; targetPort?: string | number }[] };
    const targets = workloads.filter((w) => matches(spec.selector, w.spec.template.metadata.labels));
    if (targets.length === 0) {
      problems.push(`${id(svc)}: selector matches no workload`);
      continue;
    }
    const portNames = new Set(targets.flatMap((w) => w.spec.template.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name))));
    for (const port of spec.ports ?? []) {
      if (typeof port.targetPort === "string" && !portNames.has(port.targetPort)) {
        problems.push(`${id(svc)}: targetPort ${port.targetPort} is not a container port of ${targets.map(id).join(", ")}`);
      }
    }
  }

  for (const pdb of resources.filter((r) => r.kind === "PodDisruptionBudget")) {
    const selector = (pdb.spec as { selector?: { matchLabels?: Labels } }).selector?.matchLabels;
    if (!workloads.some((w) => matches(selector, w.spec.template.metadata.labels)))
      problems.push(`${id(pdb)}: selector matches no workload`);
  }

  for (const service of services) {
    const deployment = workloads.find((w) => w.kind === "Deployment" && w.metadata.name === service);
    if (!deployment) {
      problems.push(`service ${service}: no Deployment named ${service}`);
      continue;
    }
    const container = deployment.spec.template.spec.containers[0];
    if (container?.livenessProbe?.httpGet?.path !== "/healthz") problems.push(`Deployment/${service}: liveness probe must GET /healthz`);
    if (container?.readinessProbe?.httpGet?.path !== "/readyz") problems.push(`Deployment/${service}: readiness probe must GET /readyz`);
    if (!resources.some((r) => r.kind === "PodDisruptionBudget" && r.metadata.name === service))
      problems.push(`service ${service}: no PodDisruptionBudget`);
    if (!resources.some((r) => r.kind === "Service" && r.metadata.name === service)) problems.push(`service ${service}: no Service`);
  }
  return { problems, externalSecrets: [...externalSecrets] };
}
