import { describe, expect, it } from "@jest/globals";
import { isBase64 } from "./fields.js";

describe("isBase64", () => {
  it("takes padded and unpadded standard base64", () => {
    for (const text of ["", "aGk=", "aGVsbG8=", "aGVsbG8", "aGVsbA==", "aGVsbA", "+/+/"]) expect(isBase64(text)).toBe(true);
  });

  it("refuses other alphabets, stray or excess padding and impossible lengths", () => {
    for (const text of ["!!!", "a", "abcde", "=", "==", "a===", "aG=k", "aGVs-_==", "aGk= "]) expect(isBase64(text)).toBe(false);
  });

  it("decides megabytes of evidence without overflowing the regex stack", () => {
    const evidence = Buffer.alloc(9_000_000, 7).toString("base64");
    expect(isBase64(evidence)).toBe(true);
    expect(isBase64(`${evidence}!`)).toBe(false);
  });
});
