// kubernetes-models has no Prometheus operator kinds: this is a small schema of the
// ServiceMonitor fields this repository uses (monitoring.coreos.com/v1), strict about the rest.

const DURATION = /^(\d+(ms|s|m|h))+$/;
const ENDPOINT_FIELDS = new Set([
  "port",
  "path",
  "scheme",
  "interval",
  "scrapeTimeout",
  "honorLabels",
  "authorization",
  "relabelings",
  "metricRelabelings",
]);
const SPEC_FIELDS = new Set(["selector", "namespaceSelector", "endpoints", "jobLabel", "podTargetLabels", "targetLabels"]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Problems of a ServiceMonitor (empty when valid). */
export function serviceMonitorSchemaProblems(data: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const metadata = data.metadata;
  if (!isObject(metadata) || typeof metadata.name !== "string") problems.push("metadata.name is required");
  const spec = data.spec;
  if (!isObject(spec)) return [...problems, "spec is required"];
  for (const key of Object.keys(spec))
    if (!SPEC_FIELDS.has(key)) problems.push(`spec.${key} is not a ServiceMonitor field this check knows`);
  if (!isObject(spec.selector)) problems.push("spec.selector is required");
  if (spec.namespaceSelector !== undefined) {
    const ns = spec.namespaceSelector;
    if (!isObject(ns) || !(ns.any === true || (Array.isArray(ns.matchNames) && ns.matchNames.every((n) => typeof n === "string"))))
      problems.push("spec.namespaceSelector must be {any: true} or {matchNames: [...]}");
  }
  if (!Array.isArray(spec.endpoints) || spec.endpoints.length === 0) return [...problems, "spec.endpoints must be a non-empty list"];
  for (const [i, endpoint] of (spec.endpoints as unknown[]).entries()) {
    const at = `spec.endpoints[${i}]`;
    if (!isObject(endpoint)) {
      problems.push(`${at} must be an object`);
      continue;
    }
    for (const key of Object.keys(endpoint))
      if (!ENDPOINT_FIELDS.has(key)) problems.push(`${at}.${key} is not a ServiceMonitor endpoint field this check knows`);
    if (typeof endpoint.port !== "string" || endpoint.port === "") problems.push(`${at}.port must be a named Service port`);
    if (endpoint.path !== undefined && (typeof endpoint.path !== "string" || !endpoint.path.startsWith("/")))
      problems.push(`${at}.path must start with /`);
    if (endpoint.scheme !== undefined && endpoint.scheme !== "http" && endpoint.scheme !== "https")
      problems.push(`${at}.scheme must be http or https`);
    for (const key of ["interval", "scrapeTimeout"])
      if (endpoint[key] !== undefined && (typeof endpoint[key] !== "string" || !DURATION.test(endpoint[key] as string)))
        problems.push(`${at}.${key} must be a duration such as 30s`);
  }
  return problems;
}
