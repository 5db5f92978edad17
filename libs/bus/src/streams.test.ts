import { describe, expect, it } from "@jest/globals";
import { STREAM_KEYS, streamCatalog } from "./streams.js";

describe("streamCatalog replicas", () => {
  it("declares one replica unless told otherwise", () => {
    const catalog = streamCatalog();
    for (const key of STREAM_KEYS) expect(catalog[key].replicas).toBe(1);
  });

  it("applies the shared count and the per-stream exceptions", () => {
    const catalog = streamCatalog({ replicas: 3, replicasPerStream: { EDGE_EVENTS: 1, TEMPLATES: 5 } });
    expect(catalog.SHARES.replicas).toBe(3);
    expect(catalog.BLOCKS.replicas).toBe(3);
    expect(catalog.EDGE_EVENTS.replicas).toBe(1);
    expect(catalog.TEMPLATES.replicas).toBe(5);
  });
});
