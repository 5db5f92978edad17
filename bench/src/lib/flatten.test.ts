import { describe, expect, it } from "@jest/globals";
import { compareReports, numericLeaves } from "./flatten.js";

describe("numericLeaves", () => {
  it("names nested figures by path, relay runs by their node count, and skips the machine and revision", () => {
    const report = {
      benchmark: "relay",
      runs: [{ nodes: 4, perSecond: 800, latencyMs: { p50: 60 } }],
      shares: [3, 5],
      machine: { cpus: 2 },
      revision: { commit: "abc", dirty: false },
      note: "text is not a figure",
    };
    expect([...numericLeaves(report)]).toEqual([
      ["runs.n4.nodes", 4],
      ["runs.n4.perSecond", 800],
      ["runs.n4.latencyMs.p50", 60],
      ["shares.0", 3],
      ["shares.1", 5],
    ]);
  });
});

describe("compareReports", () => {
  it("pairs figures and gives b/a, leaving a figure only one side has without a ratio", () => {
    const rows = compareReports({ x: 10, y: 0, gone: 1 }, { x: 25, y: 3, added: 2 });
    expect(rows).toEqual([
      { figure: "x", a: 10, b: 25, ratio: 2.5 },
      { figure: "y", a: 0, b: 3, ratio: undefined },
      { figure: "gone", a: 1, b: undefined, ratio: undefined },
      { figure: "added", a: undefined, b: 2, ratio: undefined },
    ]);
  });
});
