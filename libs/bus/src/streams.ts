import type { StreamSpec } from "./provision.js";
import { subjects as subjectsFor } from "./subjects.js";

/** The JetStream streams of docs/architecture.md (Subjects). */
export const STREAM_KEYS = ["TEMPLATES", "SHARES", "SHARE_RESULTS", "EDGE_EVENTS", "BLOCKS", "WORKFLOW_EVENTS"] as const;
export type StreamKey = (typeof STREAM_KEYS)[number];

export interface StreamCatalogOptions {
  /** Subject root (`gh` in production). */
  subjectRoot?: string;
  /** Prepended to every stream name, so parallel stacks and tests on one server never collide. */
  namePrefix?: string;
  /** Copies each stream keeps in a JetStream cluster (`nats.stream_replicas`); default 1. */
  replicas?: number;
  /** Per-stream exceptions to `replicas` (`nats.stream_replicas_per_stream`). */
  replicasPerStream?: Partial<Record<StreamKey, number>>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Default declarations of every stream. The owning service provisions its streams from these,
 * overriding limits from its configuration (e.g. the SHARES queue size and discard policy).
 */
export function streamCatalog(options: StreamCatalogOptions = {}): Record<StreamKey, StreamSpec> {
  const s = subjectsFor(options.subjectRoot);
  const name = (key: StreamKey) => `${options.namePrefix ?? ""}${key}`;
  const specs = declarations(s, name);
  for (const key of STREAM_KEYS) specs[key].replicas = options.replicasPerStream?.[key] ?? options.replicas ?? 1;
  return specs;
}

function declarations(s: ReturnType<typeof subjectsFor>, name: (key: StreamKey) => string): Record<StreamKey, StreamSpec> {
  return {
    TEMPLATES: {
      name: name("TEMPLATES"),
      subjects: [s.templateProposed, s.templateVerdict],
      description: "Template proposals and verifier verdicts",
      maxAgeMs: 10 * MINUTE,
      maxMsgs: 100_000,
      maxMsgSize: 8 * 1024 * 1024,
      duplicateWindowMs: 2 * MINUTE,
    },
    SHARES: {
      name: name("SHARES"),
      subjects: [s.shareAccepted],
      description: "Accepted shares: the forward queue to the pool backend",
      retention: "workqueue",
      maxMsgs: 50_000,
      discard: "new",
      duplicateWindowMs: 2 * MINUTE,
    },
    SHARE_RESULTS: {
      name: name("SHARE_RESULTS"),
      subjects: [s.shareResult],
      description: "One forward result per accepted share",
      maxAgeMs: 7 * DAY,
      duplicateWindowMs: 2 * MINUTE,
    },
    EDGE_EVENTS: {
      name: name("EDGE_EVENTS"),
      subjects: [s.edgeEvent],
      description: "Miner edge decisions with reason codes",
      maxAgeMs: DAY,
      maxMsgs: 1_000_000,
      duplicateWindowMs: 2 * MINUTE,
    },
    BLOCKS: {
      name: name("BLOCKS"),
      subjects: [s.blockFound, s.blockResult],
      description: "Found blocks and the node's answers",
      maxAgeMs: 30 * DAY,
      duplicateWindowMs: 10 * MINUTE,
    },
    WORKFLOW_EVENTS: {
      name: name("WORKFLOW_EVENTS"),
      subjects: [s.workflowEvent],
      description: "Workflow transitions",
      maxAgeMs: 7 * DAY,
      duplicateWindowMs: 2 * MINUTE,
    },
  };
}
