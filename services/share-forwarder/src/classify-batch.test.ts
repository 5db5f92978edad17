import { describe, expect, it } from "@jest/globals";
import { classify } from "./classify.js";
import { classifyBatch } from "./classify-batch.js";

const ids = ["a".repeat(64), "b".repeat(64), "c".repeat(64)];
const [a, b, c] = ids as [string, string, string];
const answer = (status: number, body: unknown) =>
  classifyBatch({ kind: "response", status, body: typeof body === "string" ? body : JSON.stringify(body) }, ids);

describe("the batch contract", () => {
  it("gives each share its own entry's verdict, in the batch's order, whatever the answer's order", () => {
    const verdict = answer(200, {
      results: [
        { event_id: c, accepted: false, reason: "difficulty_below_target" },
        { event_id: a, accepted: true },
        { event_id: b, accepted: true, duplicate: true },
      ],
    });
    expect(verdict).toEqual({
      request: { kind: "accepted", status: 200 },
      shares: [
        { kind: "accepted", status: 200 },
        { kind: "accepted", status: 200 },
        { kind: "rejected", status: 200, reason: "difficulty_below_target" },
      ],
    });
  });

  it("judges an entry's own status as the per-share response with that status would be", () => {
    const verdict = answer(200, {
      results: [
        { event_id: a, status: 400, error: "job_id: too big" },
        { event_id: b, status: 503, error: "busy" },
        { event_id: c, status: 202, accepted: true },
      ],
    });
    expect(verdict.shares).toEqual([
      { kind: "refused", status: 400, error: "job_id: too big" },
      { kind: "transient", status: 503, error: "busy", unreachable: true },
      { kind: "accepted", status: 202 },
    ]);
    expect(verdict.request).toEqual({ kind: "accepted", status: 200 });
  });

  it("retries a share with no entry, with two entries, or a malformed one; ignores entries for other shares", () => {
    const verdict = answer(200, {
      results: [
        { event_id: a, accepted: true },
        { event_id: a, accepted: false, reason: "x" },
        { event_id: b, accepted: "yes" },
        { event_id: "d".repeat(64), accepted: true },
        null,
        7,
      ],
    });
    expect(verdict.shares).toEqual([
      { kind: "transient", status: 200, error: "malformed batch answer: two results for this share", unreachable: false },
      { kind: "transient", status: 200, error: "malformed 2xx body: no boolean accepted", unreachable: false },
      { kind: "transient", status: 200, error: "malformed batch answer: no result for this share", unreachable: false },
    ]);
    expect(answer(200, { results: [{ event_id: a, status: "400" }] }).shares[0]).toMatchObject({ kind: "transient", unreachable: false });
  });

  it("a malformed answer retries every share and does not count as the upstream being down", () => {
    for (const body of ["ok", "null", '{"results":{}}', '{"accepted":true}']) {
      const verdict = answer(200, body);
      expect(verdict.request).toEqual({
        kind: "transient",
        status: 200,
        error: "malformed batch answer: no results array",
        unreachable: false,
      });
      expect(verdict.shares).toEqual(ids.map(() => verdict.request));
    }
  });

  it("a non-2xx answer, a timeout or a connection error applies to every share as to a per-share POST", () => {
    const cases = [
      { kind: "response", status: 503, body: '{"error":"busy"}', retryAfterMs: 2_000 },
      { kind: "response", status: 429, body: "" },
      { kind: "response", status: 401, body: '{"error":"signature"}' },
      { kind: "response", status: 302, body: "" },
      { kind: "error", timeout: true, message: "aborted" },
      { kind: "error", timeout: false, message: "ECONNREFUSED" },
    ] as const;
    for (const raw of cases) {
      const perShare = classify(raw);
      expect(classifyBatch(raw, ids)).toEqual({ request: perShare, shares: [perShare, perShare, perShare] });
    }
  });
});
