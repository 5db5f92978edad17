import { describe, expect, it } from "@jest/globals";
import { childTraceparent, newTraceparent, traceIdOf } from "./trace.js";

describe("traceparent", () => {
  it("creates valid W3C values and keeps the trace id in children", () => {
    const parent = newTraceparent();
    expect(parent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const child = childTraceparent(parent);
    expect(traceIdOf(child)).toBe(traceIdOf(parent));
    expect(child).not.toBe(parent);
  });

  it("starts a new trace from an invalid parent", () => {
    expect(traceIdOf("garbage")).toBeUndefined();
    expect(childTraceparent("garbage")).toMatch(/^00-[0-9a-f]{32}-/);
  });
});
