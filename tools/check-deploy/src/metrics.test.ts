import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import { definedSeries, metricDefinitions, referencedSeries, unknownLabelProblems, unknownMetricProblems } from "./metrics.js";
import { dashboardProblems, ruleFileProblems } from "./observability.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

describe("metric names", () => {
  it("reads the definitions and their labels from ctx.metrics calls, however the registry variable is named", () => {
    const source = `
      const a = ctx.metrics.counter("shares_total", "help", ["result", "reason"]);
      const b = m.histogram<"method">("quorum_latency_seconds", "help \\"quoted\\"", { labelNames: ["method"] });
      deps.metrics.gauge(
        "queue_depth_shares", "help");
      const c = metrics.counter("odd_total", helpText, labels);
      log("counter(\\"not_a_metric\\")");`;
    expect(metricDefinitions(source)).toEqual([
      { type: "counter", name: "shares_total", labels: ["result", "reason"] },
      { type: "histogram", name: "quorum_latency_seconds", labels: ["method"] },
      { type: "gauge", name: "queue_depth_shares", labels: [] },
      { type: "counter", name: "odd_total" },
    ]);
  });

  it("checks the labels of selectors and groupings, allowing target labels and le on buckets", () => {
    const defined = new Map<string, Set<string> | undefined>([
      ["gatehouse_a_shares_total", new Set(["result", "reason"])],
      ["gatehouse_a_ack_seconds_bucket", new Set(["le"])],
      ["gatehouse_a_process_cpu_seconds_total", undefined],
    ]);
    expect(
      unknownLabelProblems(
        "x",
        'sum by (reason, pod) (rate(gatehouse_a_shares_total{result="rejected"}[5m])) + histogram_quantile(0.9, sum by (le) (rate(gatehouse_a_ack_seconds_bucket[5m])))',
        defined,
      ),
    ).toEqual([]);
    expect(unknownLabelProblems("x", 'sum by (reason_code) (rate(gatehouse_a_shares_total{outcome!="ok"}[5m]))', defined)).toEqual([
      "x: gatehouse_a_shares_total has no label outcome",
      "x: no metric in the expression has label reason_code",
    ]);
    expect(unknownLabelProblems("x", "sum by (anything) (rate(gatehouse_a_process_cpu_seconds_total[1m]))", defined)).toEqual([]);
  });

  it("checks each alert rule's expression by name", () => {
    const defined = new Map([["gatehouse_a_x_total", new Set(["reason"])]]);
    const rules =
      "groups:\n  - name: g\n    rules:\n      - alert: Typo\n        expr: rate(gatehouse_a_y_total[5m]) > 0\n      - alert: Label\n        expr: sum by (why) (rate(gatehouse_a_x_total[5m])) > 0\n";
    expect(ruleFileProblems("alerts.yml", rules, defined)).toEqual([
      "alerts.yml Typo: gatehouse_a_y_total is not a metric any service defines",
      "alerts.yml Label: no metric in the expression has label why",
    ]);
  });

  it("finds the gatehouse names in PromQL, once each", () => {
    expect(referencedSeries('sum(rate(gatehouse_a_x_total{r="1"}[5m])) / sum(rate(gatehouse_a_x_total[5m])) > up')).toEqual([
      "gatehouse_a_x_total",
    ]);
  });

  it("knows the real services' metrics, histogram series and process defaults, and flags invented ones", () => {
    const defined = definedSeries(root, ["miner-edge", "share-forwarder"]);
    expect(defined.has("gatehouse_miner_edge_shares_total")).toBe(true);
    expect(defined.has("gatehouse_miner_edge_share_ack_seconds_bucket")).toBe(true);
    expect(defined.has("gatehouse_miner_edge_ready")).toBe(true);
    expect(defined.has("gatehouse_share_forwarder_process_cpu_seconds_total")).toBe(true);
    expect(defined.has("gatehouse_miner_edge_share_ack_seconds")).toBe(false);
    expect(unknownMetricProblems("alerts.yml", "rate(gatehouse_miner_edge_handshake_seconds_bucket[5m])", defined)).toEqual([
      "alerts.yml: gatehouse_miner_edge_handshake_seconds_bucket is not a metric any service defines",
    ]);
  });

  it("checks dashboard panels for targets and metric names", () => {
    const defined = new Map([["gatehouse_a_x_total", new Set(["reason"])]]);
    expect(
      dashboardProblems("d.json", { uid: "d", panels: [{ title: "ok", targets: [{ expr: "rate(gatehouse_a_x_total[1m])" }] }] }, defined),
    ).toEqual([]);
    expect(dashboardProblems("d.json", { panels: [] }, defined)).toEqual(["d.json: needs a uid and panels"]);
    expect(
      dashboardProblems(
        "d.json",
        {
          uid: "d",
          panels: [
            { title: "empty", targets: [] },
            { title: "typo", targets: [{ expr: "gatehouse_a_y_total" }] },
          ],
        },
        defined,
      ),
    ).toEqual([
      'd.json panel "empty": needs targets with an expr',
      'd.json panel "typo": gatehouse_a_y_total is not a metric any service defines',
    ]);
  });
});
