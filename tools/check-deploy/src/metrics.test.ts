import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import { definedSeries, metricDefinitions, referencedSeries, unknownMetricProblems } from "./metrics.js";
import { dashboardProblems } from "./observability.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

describe("metric names", () => {
  it("reads the definitions from ctx.metrics calls, however the registry variable is named", () => {
    const source = `
      const a = ctx.metrics.counter("shares_total", "help", ["reason"]);
      const b = m.histogram<"method">("quorum_latency_seconds", "help");
      deps.metrics.gauge(
        "queue_depth_shares", "help");
      log("counter(\\"not_a_metric\\")");`;
    expect(metricDefinitions(source)).toEqual([
      { type: "counter", name: "shares_total" },
      { type: "histogram", name: "quorum_latency_seconds" },
      { type: "gauge", name: "queue_depth_shares" },
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
    const defined = new Set(["gatehouse_a_x_total"]);
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
