import { randomBytes } from "node:crypto";

/** A W3C trace context `traceparent` value: version 00, sampled. */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01`;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The trace id of a valid traceparent, or undefined. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const m = traceparent ? TRACEPARENT.exec(traceparent) : null;
  return m ? m[1] : undefined;
}

/** A child span of `parent` in the same trace; a new trace when `parent` is absent or invalid. */
export function childTraceparent(parent: string | undefined): string {
  const traceId = traceIdOf(parent);
  if (!traceId) return newTraceparent();
  return `00-${traceId}-${randomBytes(8).toString("hex")}-01`;
}
