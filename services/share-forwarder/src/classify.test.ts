import { describe, expect, it } from "@jest/globals";
import { classify } from "./classify.js";

const response = (status: number, body: string, retryAfterMs?: number) =>
  classify({ kind: "response", status, body, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });

describe("the upstream contract", () => {
  it("2xx with accepted true or false is final", () => {
    expect(response(200, '{"accepted":true}')).toEqual({ kind: "accepted", status: 200 });
    expect(response(202, '{"accepted":true,"duplicate":true}')).toEqual({ kind: "accepted", status: 202 });
    expect(response(200, '{"accepted":false,"reason":"difficulty_below_target"}')).toEqual({
      kind: "rejected",
      status: 200,
      reason: "difficulty_below_target",
    });
  });

  it("a malformed 2xx body is retried, and does not count as the upstream being down", () => {
    expect(response(200, "ok")).toMatchObject({ kind: "transient", unreachable: false, error: "malformed 2xx body: not JSON" });
    expect(response(200, '{"accepted":"yes"}')).toMatchObject({ kind: "transient", unreachable: false });
    expect(response(200, "null")).toMatchObject({ kind: "transient" });
  });

  it("5xx, timeouts and connection errors are retried and count towards an outage", () => {
    expect(response(503, '{"error":"busy"}', 2000)).toEqual({
      kind: "transient",
      status: 503,
      error: "busy",
      unreachable: true,
      retryAfterMs: 2000,
    });
    expect(classify({ kind: "error", timeout: true, message: "aborted" })).toEqual({
      kind: "transient",
      error: "timeout: aborted",
      unreachable: true,
    });
    expect(classify({ kind: "error", timeout: false, message: "ECONNREFUSED" })).toMatchObject({ kind: "transient", unreachable: true });
  });

  it("408 and 429 are retried without counting as an outage", () => {
    expect(response(429, "", 1000)).toEqual({ kind: "transient", status: 429, error: "HTTP 429", unreachable: false, retryAfterMs: 1000 });
    expect(response(408, "")).toMatchObject({ kind: "transient", status: 408, unreachable: false });
  });

  it("other 4xx and 3xx are final failures", () => {
    expect(response(400, '{"error":"bad body"}')).toEqual({ kind: "refused", status: 400, error: "bad body" });
    expect(response(401, "no")).toEqual({ kind: "refused", status: 401, error: "no" });
    expect(response(302, "")).toEqual({ kind: "refused", status: 302, error: "HTTP 302" });
  });

  it("bounds the error text it keeps", () => {
    const long = response(400, "x".repeat(5000));
    expect(long.kind === "refused" && long.error.length).toBeLessThanOrEqual(257);
  });
});
