// `make check-deploy`: every Gatehouse metric a Grafana dashboard (deploy/grafana/*.json) or a
// Prometheus rule file (deploy/prometheus/*.yml) refers to must be one a service defines, with
// the labels it uses.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { type DefinedSeries, definedSeries, unknownLabelProblems, unknownMetricProblems } from "./metrics.js";

interface Dashboard {
  uid?: string;
  panels?: { title?: string; targets?: { expr?: string }[] }[];
}

/** Problems of one dashboard: structure, and metric names no service defines. */
export function dashboardProblems(file: string, dashboard: Dashboard, defined: DefinedSeries): string[] {
  if (!dashboard.uid || !Array.isArray(dashboard.panels) || dashboard.panels.length === 0) return [`${file}: needs a uid and panels`];
  return dashboard.panels.flatMap((panel) => {
    const where = `${file} panel "${panel.title ?? "?"}"`;
    const exprs = (panel.targets ?? []).map((t) => t.expr ?? "");
    if (exprs.length === 0 || exprs.some((e) => e.trim() === "")) return [`${where}: needs targets with an expr`];
    return exprs.flatMap((e) => [...unknownMetricProblems(where, e, defined), ...unknownLabelProblems(where, e, defined)]);
  });
}

/** Problems of a Prometheus rule file: each rule's expression, by alert or record name. */
export function ruleFileProblems(file: string, text: string, defined: DefinedSeries): string[] {
  const rules = (parse(text) as { groups?: { rules?: { alert?: string; record?: string; expr?: string }[] }[] }).groups ?? [];
  return rules.flatMap((group) =>
    (group.rules ?? []).flatMap((rule) => {
      const where = `${file} ${rule.alert ?? rule.record ?? "?"}`;
      const expr = rule.expr ?? "";
      return [...unknownMetricProblems(where, expr, defined), ...unknownLabelProblems(where, expr, defined)];
    }),
  );
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const services = readdirSync(join(root, "services")).filter((name) => existsSync(join(root, "services", name, "package.json")));
  const defined = definedSeries(root, services);
  const problems: string[] = [];
  const grafana = join(root, "deploy", "grafana");
  const dashboards = readdirSync(grafana).filter((f) => f.endsWith(".json"));
  for (const service of services)
    if (!dashboards.includes(`${service}.json`)) problems.push(`deploy/grafana: no dashboard ${service}.json`);
  for (const file of dashboards)
    problems.push(
      ...dashboardProblems(`deploy/grafana/${file}`, JSON.parse(readFileSync(join(grafana, file), "utf8")) as Dashboard, defined),
    );
  const prometheus = join(root, "deploy", "prometheus");
  for (const file of readdirSync(prometheus).filter((f) => f.endsWith(".yml")))
    problems.push(...ruleFileProblems(`deploy/prometheus/${file}`, readFileSync(join(prometheus, file), "utf8"), defined));
  for (const line of problems) process.stderr.write(`${line}\n`);
  if (problems.length === 0)
    process.stdout.write(`metrics: ${dashboards.length} dashboards and the alert rules use only defined metrics and labels\n`);
  process.exit(problems.length > 0 ? 1 : 0);
}
