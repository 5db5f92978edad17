import { describe, expect, it } from "@jest/globals";
import { isSv2Error } from "../errors.js";
import { newAuthorityKeyFile, parseAuthorityKeyFile } from "./server-identity.js";

describe("authority key files", () => {
  it("round-trip", () => {
    const file = newAuthorityKeyFile();
    expect(parseAuthorityKeyFile(JSON.stringify(file)).publicKey).toHaveLength(32);
  });

  it("refuse text that is not a JSON object with Sv2Error invalid_key", () => {
    for (const text of ["{", "1", "null"]) {
      let thrown: unknown;
      try {
        parseAuthorityKeyFile(text);
      } catch (err) {
        thrown = err;
      }
      expect(isSv2Error(thrown, "invalid_key")).toBe(true);
      expect((thrown as Error).message).toMatch(/^invalid_key: authority key file is not a JSON object: /);
    }
  });
});
