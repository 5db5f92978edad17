import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { TestEnvironmentError } from "./errors.js";
import { serviceMain } from "./process.js";
import { repoRoot } from "./repo.js";

describe("the test environment", () => {
  it("finds the repository root, and fails with TestEnvironmentError above it", () => {
    expect(JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")).workspaces).toBeDefined();
    expect(() => repoRoot("/")).toThrow(TestEnvironmentError);
  });

  it("names a service that is not built with TestEnvironmentError", () => {
    expect(() => serviceMain("no-such-service")).toThrow(TestEnvironmentError);
    expect(() => serviceMain("no-such-service")).toThrow("build first");
  });
});
