import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import type { Hex } from "viem";
import { encodeScoreVector, scoreCommitment } from "./scores.js";

const vector = JSON.parse(readFileSync(new URL("./vectors/score-encoding.json", import.meta.url), "utf8")) as {
  scores_bps: number[];
  score_vector: Hex;
  salt: Hex;
  data_hash: Hex;
  commitment: Hex;
};

describe("score encoding", () => {
  it("matches score-encoding.json", () => {
    const encoded = encodeScoreVector(vector.scores_bps);
    expect(encoded).toBe(vector.score_vector);
    expect(scoreCommitment(encoded, vector.salt, vector.data_hash)).toBe(vector.commitment);
  });

  it("pads to five values, truncates beyond five and floors basis points", () => {
    const padded = encodeScoreVector([199]);
    expect((padded.length - 2) / 2).toBe(160);
    expect(padded.slice(2, 66)).toBe(`${"0".repeat(63)}1`);
    expect(encodeScoreVector([1, 2, 3, 4, 500, 9900])).toBe(encodeScoreVector([1, 2, 3, 4, 500]));
  });
});
