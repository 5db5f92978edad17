import { describe, expect, it } from "@jest/globals";
import type { StreamInfo } from "@nats-io/jetstream";
import { replicasOf } from "./streams.js";

describe("replicasOf", () => {
  it("names the leader and each other replica's health", () => {
    const info = {
      config: { num_replicas: 3 },
      cluster: {
        name: "gh",
        leader: "nats-0",
        replicas: [
          { name: "nats-1", current: true, active: 1, lag: 0 },
          { name: "nats-2", current: false, offline: true, active: 1, lag: 12 },
        ],
      },
    } as unknown as StreamInfo;
    expect(replicasOf(info)).toEqual({
      replicas: 3,
      leader: "nats-0",
      peers: [
        { server: "nats-1", health: "current", lag: 0 },
        { server: "nats-2", health: "offline", lag: 12 },
      ],
    });
  });

  it("has no leader or peers outside a cluster", () => {
    expect(replicasOf({ config: { num_replicas: 1 } } as unknown as StreamInfo)).toEqual({ replicas: 1, leader: undefined, peers: [] });
  });
});
