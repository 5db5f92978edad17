import { Metrics } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { nodeMetrics } from "./metrics.js";

describe("nodeMetrics", () => {
  it("reports in_flight_requests from the source wired by observe", async () => {
    const registry = new Metrics("relay-node");
    const metrics = nodeMetrics(registry);
    let inFlight = 3;
    metrics.observe({ inFlight: () => inFlight });
    expect((await registry.render()).body).toMatch(/^gatehouse_relay_node_in_flight_requests 3$/m);
    inFlight = 0;
    expect((await registry.render()).body).toMatch(/^gatehouse_relay_node_in_flight_requests 0$/m);
  });
});
