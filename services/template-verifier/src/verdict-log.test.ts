import { create } from "@bufbuild/protobuf";
import { TemplateVerdictSchema, VerdictReason } from "@gatehouse/proto/mining/v1";
import { describe, expect, it } from "@jest/globals";
import { parseVerdictFilter, recordOf, toCsv, VerdictFilterError, VerdictLog } from "./verdict-log.js";

const verdict = (id: number, reason: VerdictReason, detail = "") =>
  recordOf(
    create(TemplateVerdictSchema, {
      templateId: BigInt(id),
      sourceInstanceId: id % 2 ? "odd" : "even",
      accepted: reason === VerdictReason.ok,
      reasonCode: reason,
      reasonDetail: detail,
      warnings: [VerdictReason.sigops_budget_warning],
      decidedAtUnixMs: BigInt(1_000 + id),
      policyContext: { feeTier: "mid", policyHash: "abc" },
    }),
  );

describe("verdict log", () => {
  it("keeps the newest `capacity` verdicts, newest first", () => {
    const log = new VerdictLog(3);
    for (let i = 1; i <= 5; i++) log.add(verdict(i, VerdictReason.ok));
    expect(log.size).toBe(3);
    expect(log.query().map((r) => r.template_id)).toEqual(["5", "4", "3"]);
  });

  it("filters by accepted, reason, source, since and limit", () => {
    const log = new VerdictLog(100);
    for (let i = 1; i <= 10; i++) log.add(verdict(i, i % 3 === 0 ? VerdictReason.template_stale : VerdictReason.ok));
    expect(log.query({ accepted: false }).map((r) => r.template_id)).toEqual(["9", "6", "3"]);
    expect(log.query({ reason: "template_stale", source: "even" }).map((r) => r.template_id)).toEqual(["6"]);
    expect(log.query({ sinceMs: 1_008 }).map((r) => r.template_id)).toEqual(["10", "9", "8"]);
    expect(log.query({ limit: 2 }).map((r) => r.template_id)).toEqual(["10", "9"]);
  });

  it("parses query filters and refuses bad ones with a reason", () => {
    expect(parseVerdictFilter(new URLSearchParams("accepted=false&reason=ok&since=5&limit=7&source=x"))).toEqual({
      accepted: false,
      reason: "ok",
      sinceMs: 5,
      limit: 7,
      source: "x",
    });
    for (const bad of ["accepted=yes", "reason=bogus", "since=-1", "limit=1e3"]) {
      expect(() => parseVerdictFilter(new URLSearchParams(bad))).toThrow(VerdictFilterError);
    }
  });

  it("exports CSV with quoting and neutralised formula cells", () => {
    const csv = toCsv([verdict(1, VerdictReason.template_stale, '=HYPERLINK("x") "quoted", comma')]);
    const [header, row] = csv.trim().split("\n");
    expect(header).toBe(
      "decided_at_unix_ms,template_id,source_instance_id,block_height,prev_hash,accepted,reason_code,reason_detail,warnings,fee_tier,full_check,policy_hash",
    );
    expect(row).toContain(`"'=HYPERLINK(""x"") ""quoted"", comma"`);
    expect(row).toContain('"template_stale"');
    expect(row).toContain('"sigops_budget_warning"');
  });
});
