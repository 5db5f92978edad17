import { describe, expect, it } from "@jest/globals";
import { streamCatalog } from "./streams.js";
import { SubjectTokenError, subjects } from "./subjects.js";

describe("subjects", () => {
  it("are the catalogue of docs/architecture.md under the root", () => {
    const s = subjects();
    expect(s.shareAccepted).toBe("gh.mining.share.accepted");
    expect(s.relayNodeRequest("node-1")).toBe("gh.relay.node.node-1.request");
    expect(s.relayGatewayResponse("gw")).toBe("gh.relay.gateway.gw.response");
    expect(subjects("t1.x").workflowEvent).toBe("t1.x.workflow.event");
  });

  it("refuse tokens that would change the subject's shape", () => {
    expect(() => subjects().relayNodeRequest("a.b")).toThrow(SubjectTokenError);
    expect(() => subjects().relayNodeRequest("a.b")).toThrow(/single subject token/);
    expect(() => subjects().relayNodeRequest("*")).toThrow(/single subject token/);
    expect(() => subjects("gh.>")).toThrow(/single subject token/);
  });

  it("put every subject of a root in exactly one stream, named with the prefix", () => {
    const catalog = streamCatalog({ subjectRoot: "t9", namePrefix: "T9_" });
    const all = Object.values(catalog).flatMap((s) => s.subjects);
    expect(new Set(all).size).toBe(all.length);
    expect(catalog.SHARES).toMatchObject({
      name: "T9_SHARES",
      subjects: ["t9.mining.share.accepted"],
      retention: "workqueue",
      discard: "new",
    });
  });
});
