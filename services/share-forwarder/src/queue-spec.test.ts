import { streamCatalog } from "@gatehouse/bus";
import { describe, expect, it } from "@jest/globals";
import { queueStreamSpec } from "./queue-spec.js";

describe("queueStreamSpec", () => {
  const base = streamCatalog({ replicas: 3 }).SHARES;

  it("keeps the configured replicas of SHARES: the forward queue is the state that must survive a node", () => {
    expect(queueStreamSpec(base, 1_000, "drop_new").replicas).toBe(3);
  });

  it("bounds the queue at its size (drop_new) or twice it (drop_old), refusing beyond", () => {
    expect(queueStreamSpec(base, 1_000, "drop_new")).toMatchObject({ retention: "workqueue", discard: "new", maxMsgs: 1_000 });
    expect(queueStreamSpec(base, 1_000, "drop_old")).toMatchObject({ retention: "workqueue", discard: "new", maxMsgs: 2_000 });
  });
});
