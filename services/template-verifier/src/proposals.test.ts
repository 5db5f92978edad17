import { create } from "@bufbuild/protobuf";
import { TemplateProposalSchema } from "@gatehouse/proto/mining/v1";
import { describe, expect, it } from "@jest/globals";
import { proposalMsgId } from "./proposals.js";

describe("proposalMsgId", () => {
  it("is the source instance, template id and creation time, so a republished template is deduplicated", () => {
    const p = create(TemplateProposalSchema, { sourceInstanceId: "tv-a", templateId: 42n, createdAtUnixMs: 1_700_000_000_123n });
    expect(proposalMsgId(p)).toBe("tv-a:42:1700000000123");
    expect(proposalMsgId({ ...p, createdAtUnixMs: 1_700_000_000_124n })).not.toBe(proposalMsgId(p));
  });
});
