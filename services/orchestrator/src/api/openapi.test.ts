import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@gatehouse/testkit";
import { describe, expect, it } from "@jest/globals";
import { OPENAPI } from "./openapi.js";

describe("OpenAPI document", () => {
  it("docs/orchestrator-openapi.json is what /openapi.json serves (regenerate with npm run openapi -w @gatehouse/orchestrator)", () => {
    const docs = JSON.parse(readFileSync(join(repoRoot(), "docs", "orchestrator-openapi.json"), "utf8"));
    expect(docs).toEqual(JSON.parse(JSON.stringify(OPENAPI)));
  });

  it("documents every workflow route", () => {
    expect(Object.keys(OPENAPI.paths).sort()).toEqual(
      [
        "/health",
        "/workflows",
        "/workflows/close-epoch",
        "/workflows/score-submission",
        "/workflows/work-submission",
        "/workflows/{id}",
        "/workflows/{id}/retry",
        "/v1/studio/{address}/work",
        "/v1/work/{hash}/evidence",
      ].sort(),
    );
  });
});
