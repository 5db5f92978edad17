import { describe, expect, it } from "@jest/globals";
import { apiKeyMatches, presentedKey } from "./api-key.js";

describe("apiKeyMatches", () => {
  it("matches only the exact key", () => {
    expect(apiKeyMatches("s3cret", "s3cret")).toBe(true);
    expect(apiKeyMatches("s3cre", "s3cret")).toBe(false);
    expect(apiKeyMatches("s3cret!", "s3cret")).toBe(false);
    expect(apiKeyMatches(undefined, "s3cret")).toBe(false);
    expect(apiKeyMatches("", "s3cret")).toBe(false);
  });
});

describe("presentedKey", () => {
  it("takes X-API-Key first, else an Authorization bearer token", () => {
    expect(presentedKey("k1", "Bearer k2")).toBe("k1");
    expect(presentedKey(undefined, "Bearer k2")).toBe("k2");
    expect(presentedKey(undefined, "bearer  k3")).toBe("k3");
    expect(presentedKey([], ["Bearer k4"])).toBe("k4");
  });

  it("ignores other authorization schemes and malformed values", () => {
    expect(presentedKey(undefined, "Basic dXNlcjpwYXNz")).toBeUndefined();
    expect(presentedKey(undefined, "Bearer")).toBeUndefined();
    expect(presentedKey(undefined, "Bearer a b")).toBeUndefined();
    expect(presentedKey(undefined, undefined)).toBeUndefined();
  });
});
