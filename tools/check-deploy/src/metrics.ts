import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Metrics } from "@gatehouse/service";

/** The series names a metric exposes: histograms as _bucket, _sum and _count. */
function seriesNames(name: string, type: string): string[] {
  return type === "histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
}

const DEFINITION =
  /\.(counter|gauge|histogram)(?:<[^>]*>)?\(\s*"([a-z][a-z0-9_]*)"(?:\s*,\s*"(?:[^"\\]|\\.)*"\s*(\)|,\s*(?:\{\s*labelNames:\s*)?\[([^\]]*)\]))?/g;

/** A metric definition; `labels` is undefined when the call's label list could not be read. */
export interface MetricDefinition {
  name: string;
  type: string;
  labels?: string[];
}

/** The metrics one source text defines through ctx.metrics, without the prefix. */
export function metricDefinitions(source: string): MetricDefinition[] {
  return [...source.matchAll(DEFINITION)].map((m) => {
    const definition: MetricDefinition = { type: m[1] as string, name: m[2] as string };
    if (m[3] === ")") definition.labels = [];
    else if (m[4] !== undefined) definition.labels = [...m[4].matchAll(/"([a-zA-Z_][a-zA-Z0-9_]*)"/g)].map((l) => l[1] as string);
    return definition;
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return entry.endsWith(".ts") && !entry.endsWith(".test.ts") && !entry.endsWith(".d.ts") ? [path] : [];
  });
}

/** Series name → its label names (undefined when unknown, e.g. prom-client's process metrics). */
export type DefinedSeries = Map<string, Set<string> | undefined>;

/**
 * Every series name each service exposes, with its labels: what its sources define
 * (services/<svc>/src), what runService defines for every service (libs/service/src), and
 * prom-client's process defaults, all under the service's `gatehouse_<service>_` prefix.
 */
export function definedSeries(root: string, services: string[]): DefinedSeries {
  const common = sourceFiles(join(root, "libs", "service", "src")).flatMap((f) => metricDefinitions(readFileSync(f, "utf8")));
  const series: DefinedSeries = new Map();
  for (const service of services) {
    const metrics = new Metrics(service);
    for (const metric of metrics.registry.getMetricsAsArray())
      for (const name of seriesNames(metric.name, String(metric.type))) series.set(name, undefined);
    const own = sourceFiles(join(root, "services", service, "src")).flatMap((f) => metricDefinitions(readFileSync(f, "utf8")));
    for (const { name, type, labels } of [...common, ...own])
      for (const s of seriesNames(metrics.prefix + name, type))
        series.set(s, labels ? new Set([...labels, ...(s.endsWith("_bucket") && type === "histogram" ? ["le"] : [])]) : undefined);
  }
  return series;
}

/** Labels Prometheus adds to every scraped series (ServiceMonitor target labels). */
const TARGET_LABELS = new Set(["pod", "namespace", "job", "instance", "service", "container", "endpoint"]);

/** The Gatehouse series names a PromQL expression (or any text) refers to. */
export function referencedSeries(text: string): string[] {
  return [...new Set(text.match(/\bgatehouse_[a-z0-9_]+/g) ?? [])];
}

/** `<where>: <name> is not a metric any service defines` for each unknown name. */
export function unknownMetricProblems(where: string, text: string, defined: DefinedSeries): string[] {
  return referencedSeries(text)
    .filter((name) => !defined.has(name))
    .map((name) => `${where}: ${name} is not a metric any service defines`);
}

/**
 * Labels a PromQL expression uses that its metrics do not have: in a selector
 * (`metric{label="…"}`) that metric's labels, in `by (…)`/`without (…)` any of the expression's
 * metrics' labels; target labels (pod, job, …) are always allowed.
 */
export function unknownLabelProblems(where: string, expr: string, defined: DefinedSeries): string[] {
  const problems: string[] = [];
  const known = (labels: Set<string> | undefined, label: string) => !labels || labels.has(label) || TARGET_LABELS.has(label);
  for (const m of expr.matchAll(/\b(gatehouse_[a-z0-9_]+)\{([^}]*)\}/g)) {
    const labels = defined.get(m[1] as string);
    for (const l of (m[2] as string).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g))
      if (!known(labels, l[1] as string)) problems.push(`${where}: ${m[1]} has no label ${l[1]}`);
  }
  const metrics = referencedSeries(expr).filter((name) => defined.has(name));
  const union = metrics.some((name) => defined.get(name) === undefined)
    ? undefined
    : new Set(metrics.flatMap((name) => [...(defined.get(name) ?? [])]));
  for (const group of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g))
    for (const label of (group[1] as string)
      .split(",")
      .map((l) => l.trim())
      .filter(Boolean))
      if (!known(union, label)) problems.push(`${where}: no metric in the expression has label ${label}`);
  return problems;
}
