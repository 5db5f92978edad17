import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Metrics } from "@gatehouse/service";

/** The series names a metric exposes: histograms as _bucket, _sum and _count. */
function seriesNames(name: string, type: string): string[] {
  return type === "histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
}

const DEFINITION = /\.(counter|gauge|histogram)(?:<[^>]*>)?\(\s*"([a-z][a-z0-9_]*)"/g;

/** The metrics one source text defines through ctx.metrics, as `{ name, type }` without the prefix. */
export function metricDefinitions(source: string): { name: string; type: string }[] {
  return [...source.matchAll(DEFINITION)].map((m) => ({ type: m[1] as string, name: m[2] as string }));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return entry.endsWith(".ts") && !entry.endsWith(".test.ts") && !entry.endsWith(".d.ts") ? [path] : [];
  });
}

/**
 * Every series name each service exposes: what its sources define (services/<svc>/src), what
 * runService defines for every service (libs/service/src), and prom-client's process defaults,
 * all under the service's `gatehouse_<service>_` prefix.
 */
export function definedSeries(root: string, services: string[]): Set<string> {
  const common = sourceFiles(join(root, "libs", "service", "src")).flatMap((f) => metricDefinitions(readFileSync(f, "utf8")));
  const series = new Set<string>();
  for (const service of services) {
    const metrics = new Metrics(service);
    for (const metric of metrics.registry.getMetricsAsArray())
      for (const name of seriesNames(metric.name, String(metric.type))) series.add(name);
    const own = sourceFiles(join(root, "services", service, "src")).flatMap((f) => metricDefinitions(readFileSync(f, "utf8")));
    for (const { name, type } of [...common, ...own]) for (const s of seriesNames(metrics.prefix + name, type)) series.add(s);
  }
  return series;
}

/** The Gatehouse series names a PromQL expression (or any text) refers to. */
export function referencedSeries(text: string): string[] {
  return [...new Set(text.match(/\bgatehouse_[a-z0-9_]+/g) ?? [])];
}

/** `<where>: <name> is not a metric any service defines` for each unknown name. */
export function unknownMetricProblems(where: string, text: string, defined: Set<string>): string[] {
  return referencedSeries(text)
    .filter((name) => !defined.has(name))
    .map((name) => `${where}: ${name} is not a metric any service defines`);
}
