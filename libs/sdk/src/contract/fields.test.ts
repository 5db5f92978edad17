import { describe, expect, it } from "@jest/globals";
import { ScoreSubmissionMode } from "../types.js";
import { isBase64, pathText } from "./fields.js";
import { SCORE_MODES } from "./requests.js";

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

describe("pathText", () => {
  it("writes an error path as a reader would: fields dotted, indexes bracketed", () => {
    expect(pathText(["dkg_evidence", 0, "parent_ids", 2])).toBe("dkg_evidence[0].parent_ids[2]");
    expect(pathText(["scores", 1])).toBe("scores[1]");
    expect(pathText([])).toBe("");
  });
});

describe("ScoreSubmissionMode", () => {
  it("is the contract's score modes, as the client's enum", () => {
    expect(Object.values(ScoreSubmissionMode).sort()).toEqual([...SCORE_MODES].sort());
  });
});
