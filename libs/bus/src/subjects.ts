/**
 * The subject catalogue of docs/architecture.md. Every subject hangs off one root (`gh` in production) so
 * that tests and parallel stacks on one NATS server use their own root and never collide.
 */
export const DEFAULT_SUBJECT_ROOT = "gh";

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** A name that cannot be used as one NATS subject token (a subject root, a service or node name). */
export class SubjectTokenError extends Error {
  override readonly name = "SubjectTokenError";
  constructor(
    readonly what: string,
    readonly token: string,
  ) {
    super(`${what} must be a single subject token of [A-Za-z0-9_-], got "${token}"`);
  }
}

/** Throws SubjectTokenError unless `token` is a single NATS subject token made of safe characters. */
export function assertSubjectToken(token: string, what: string): string {
  if (!TOKEN.test(token)) throw new SubjectTokenError(what, token);
  return token;
}

export interface Subjects {
  readonly root: string;
  readonly templateProposed: string;
  readonly templateVerdict: string;
  readonly shareAccepted: string;
  readonly shareResult: string;
  readonly edgeEvent: string;
  readonly blockFound: string;
  readonly blockResult: string;
  readonly verifierHeartbeat: string;
  readonly workflowEvent: string;
  /** Wildcard matching every relay node request subject. */
  readonly relayNodeRequests: string;
  relayNodeRequest(node: string): string;
  relayGatewayResponse(gateway: string): string;
  /** `<root>.>`: everything on this root. */
  readonly all: string;
}

export function subjects(root: string = DEFAULT_SUBJECT_ROOT): Subjects {
  const parts = root.split(".");
  for (const part of parts) assertSubjectToken(part, "subject root token");
  return {
    root,
    templateProposed: `${root}.mining.template.proposed`,
    templateVerdict: `${root}.mining.template.verdict`,
    shareAccepted: `${root}.mining.share.accepted`,
    shareResult: `${root}.mining.share.result`,
    edgeEvent: `${root}.mining.edge.event`,
    blockFound: `${root}.mining.block.found`,
    blockResult: `${root}.mining.block.result`,
    verifierHeartbeat: `${root}.mining.verifier.heartbeat`,
    workflowEvent: `${root}.workflow.event`,
    relayNodeRequests: `${root}.relay.node.*.request`,
    relayNodeRequest: (node) => `${root}.relay.node.${assertSubjectToken(node, "relay node name")}.request`,
    relayGatewayResponse: (gateway) => `${root}.relay.gateway.${assertSubjectToken(gateway, "relay gateway id")}.response`,
    all: `${root}.>`,
  };
}
