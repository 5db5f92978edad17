import type { WorkflowError, WorkflowStatus } from "./types.js";

export type GatewayErrorCategory = "auth" | "transient" | "permanent" | "unknown";

/** How the ChaosChain client classifies an HTTP status. */
export function categorize(statusCode: number | undefined): { category: GatewayErrorCategory; retryable: boolean } {
  if (statusCode === undefined) return { category: "unknown", retryable: false };
  if (statusCode === 401 || statusCode === 403) return { category: "auth", retryable: false };
  if (statusCode === 408 || statusCode === 429 || statusCode >= 500) return { category: "transient", retryable: true };
  if (statusCode >= 400) return { category: "permanent", retryable: false };
  return { category: "unknown", retryable: false };
}

/** An error answer from the gateway: `Gateway returned error: <body.error || body.message>`. */
export class GatewayError extends Error {
  override name = "GatewayError";
  readonly statusCode: number | undefined;
  readonly response: unknown;
  readonly category: GatewayErrorCategory;
  readonly retryable: boolean;

  constructor(message: string, details: { statusCode?: number; response?: unknown } = {}) {
    super(message);
    this.statusCode = details.statusCode;
    this.response = details.response;
    ({ category: this.category, retryable: this.retryable } = categorize(details.statusCode));
  }
}

/** The gateway could not be reached (connection refused, unknown host). */
export class GatewayConnectionError extends GatewayError {
  override name = "GatewayConnectionError";
}

/** A request timed out, or a workflow did not finish within `maxWait`. */
export class GatewayTimeoutError extends GatewayError {
  override name = "GatewayTimeoutError";
  constructor(
    readonly workflowId: string,
    message: string,
    readonly lastStatus?: WorkflowStatus,
  ) {
    super(message);
  }
}

/** A call the client refuses before sending anything: a required option missing (`field` names it). */
export class InvalidRequestError extends GatewayError {
  override name = "InvalidRequestError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The workflow reached FAILED: `Workflow <id> failed at step <step>: <message>`. */
export class WorkflowFailedError extends GatewayError {
  override name = "WorkflowFailedError";
  constructor(
    readonly workflowId: string,
    readonly workflowError: WorkflowError,
  ) {
    super(`Workflow ${workflowId} failed at step ${workflowError.step}: ${workflowError.message}`);
  }
}
