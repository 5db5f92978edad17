import { describe, expect, it } from "@jest/globals";
import { IpConnectionCounts } from "./ip-connections.js";

describe("IpConnectionCounts", () => {
  it("admits up to the cap per address, independently per address, and frees a place on close", () => {
    const counts = new IpConnectionCounts(2);
    expect([counts.tryAdd("10.0.0.1"), counts.tryAdd("10.0.0.1"), counts.tryAdd("10.0.0.1")]).toEqual([true, true, false]);
    expect(counts.tryAdd("10.0.0.2")).toBe(true);
    expect(counts.count("10.0.0.1")).toBe(2);
    counts.remove("10.0.0.1");
    expect(counts.tryAdd("10.0.0.1")).toBe(true);
  });

  it("forgets an address with its last connection (bounded by the open connections)", () => {
    const counts = new IpConnectionCounts(5);
    counts.tryAdd("a");
    counts.tryAdd("b");
    counts.tryAdd("b");
    expect([...counts.entries()]).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    counts.remove("a");
    counts.remove("b");
    counts.remove("b");
    counts.remove("b");
    expect(counts.addresses).toBe(0);
    expect(counts.count("b")).toBe(0);
  });
});
