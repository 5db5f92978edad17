import { describe, expect, it } from "@jest/globals";
import { MetricNameError, Metrics } from "./metrics.js";

describe("Metrics", () => {
  it("prefixes names with gatehouse_<service>_ and exposes them", async () => {
    const metrics = new Metrics("miner-edge");
    metrics.counter("shares_accepted_total", "accepted shares", ["reason"]).inc({ reason: "ok" });
    const { body } = await metrics.render();
    expect(body).toContain('gatehouse_miner_edge_shares_accepted_total{reason="ok"} 1');
    expect(body).toContain("gatehouse_miner_edge_process_cpu_seconds_total");
  });

  it("requires _total exactly once on counters and never on gauges", () => {
    const metrics = new Metrics("x");
    expect(() => metrics.counter("shares", "h")).toThrow(MetricNameError);
    expect(() => metrics.counter("shares", "h")).toThrow(/_total/);
    expect(() => metrics.counter("shares_total_total", "h")).toThrow(/exactly once/);
    expect(() => metrics.gauge("queue_total", "h")).toThrow(/must not end in _total/);
    expect(() => metrics.counter("gatehouse_x_a_total", "h")).toThrow(/prefix/);
    expect(() => metrics.histogram("latency", "h")).toThrow(/unit/);
  });
});
