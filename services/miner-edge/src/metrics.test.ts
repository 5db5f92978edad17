import { create } from "@bufbuild/protobuf";
import { EdgeEventSchema, EdgeEventType, GatewayReason } from "@gatehouse/proto/mining/v1";
import { Metrics } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { CounterChildren, edgeMetrics, eventCounter } from "./metrics.js";

describe("edge counters by label", () => {
  it("CounterChildren counts each label pair on its own series", async () => {
    const m = new Metrics("miner-edge");
    const counts = new CounterChildren(edgeMetrics(m).shares, ["result", "reason"]);
    counts.inc("accepted", "");
    counts.inc("accepted", "");
    counts.inc("rejected", "share_rate_limited");
    const { body } = await m.render();
    expect(body).toContain('gatehouse_miner_edge_shares_total{result="accepted",reason=""} 2');
    expect(body).toContain('gatehouse_miner_edge_shares_total{result="rejected",reason="share_rate_limited"} 1');
  });

  it("eventCounter counts events by type name and reason name (empty when unspecified)", async () => {
    const m = new Metrics("miner-edge");
    const count = eventCounter(edgeMetrics(m));
    count(create(EdgeEventSchema, { type: EdgeEventType.share_accepted }));
    count(create(EdgeEventSchema, { type: EdgeEventType.share_rejected, reasonCode: GatewayReason.share_replay_detected }));
    count(create(EdgeEventSchema, { type: EdgeEventType.share_rejected, reasonCode: GatewayReason.share_replay_detected }));
    const { body } = await m.render();
    expect(body).toContain('gatehouse_miner_edge_events_total{type="share_accepted",reason=""} 1');
    expect(body).toContain('gatehouse_miner_edge_events_total{type="share_rejected",reason="share_replay_detected"} 2');
  });
});
