import { describe, expect, it } from "@jest/globals";
import { apiKeyMatches } from "./api-key.js";

describe("apiKeyMatches", () => {
  it("matches only the exact key", () => {
    expect(apiKeyMatches("s3cret", "s3cret")).toBe(true);
    expect(apiKeyMatches("s3cre", "s3cret")).toBe(false);
    expect(apiKeyMatches("s3cret!", "s3cret")).toBe(false);
    expect(apiKeyMatches(undefined, "s3cret")).toBe(false);
    expect(apiKeyMatches("", "s3cret")).toBe(false);
  });
});
