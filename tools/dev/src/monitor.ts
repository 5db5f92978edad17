// What the running stack is doing, from its bus: blocks found and accepted, shares accepted at the
// edge and forwarded to the pool backend, rejections by reason, workflow outcomes. `make dev`
// prints a status line from it; tests and the chaos run read its counts.
import { Bus } from "@gatehouse/bus";
import {
  BlockFoundSchema,
  BlockResultSchema,
  EdgeEventSchema,
  EdgeEventType,
  GatewayReason,
  ShareAcceptedSchema,
  ShareForwardResultSchema,
} from "@gatehouse/proto/mining/v1";
import { WorkflowEventSchema, WorkflowState } from "@gatehouse/proto/workflow/v1";

export interface StackCounts {
  blocksFound: number;
  blocksAccepted: number;
  blocksRejected: number;
  /** Height of the last accepted block. */
  height: number;
  sharesAccepted: number;
  sharesRejected: number;
  /** Edge rejections by reason code. */
  rejectReasons: Record<string, number>;
  /** Share forward results: accepted by the pool backend / not. */
  forwardedAccepted: number;
  forwardedNotAccepted: number;
  workflowsCompleted: number;
  workflowsFailed: number;
}

export function emptyCounts(): StackCounts {
  return {
    blocksFound: 0,
    blocksAccepted: 0,
    blocksRejected: 0,
    height: 0,
    sharesAccepted: 0,
    sharesRejected: 0,
    rejectReasons: {},
    forwardedAccepted: 0,
    forwardedNotAccepted: 0,
    workflowsCompleted: 0,
    workflowsFailed: 0,
  };
}

/** One line: the counts since the monitor started. */
export function formatStatus(c: StackCounts): string {
  const reasons = Object.entries(c.rejectReasons)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(", ");
  return [
    `blocks found ${c.blocksFound}, accepted ${c.blocksAccepted}${c.blocksRejected ? `, rejected ${c.blocksRejected}` : ""} (height ${c.height})`,
    `shares accepted ${c.sharesAccepted}, rejected ${c.sharesRejected}${reasons ? ` (${reasons})` : ""}`,
    `forwarded to the pool ${c.forwardedAccepted}${c.forwardedNotAccepted ? ` (+${c.forwardedNotAccepted} not accepted)` : ""}`,
    `workflows completed ${c.workflowsCompleted}${c.workflowsFailed ? `, failed ${c.workflowsFailed}` : ""}`,
  ].join(" | ");
}

/** Blocks remembered between BlockFound and its BlockResult, to name the finder. */
const MAX_PENDING_BLOCKS = 1_000;

export class StackMonitor {
  readonly #counts = emptyCounts();
  readonly #finders = new Map<string, string>();

  private constructor(
    private readonly bus: Bus,
    onBlock: (line: string) => void,
  ) {
    const s = bus.subjects;
    bus.subscribe(s.blockFound, BlockFoundSchema, (m) => {
      this.#counts.blocksFound += 1;
      this.#finders.set(m.blockHash, m.workerId);
      if (this.#finders.size > MAX_PENDING_BLOCKS) this.#finders.delete(this.#finders.keys().next().value as string);
    });
    bus.subscribe(s.blockResult, BlockResultSchema, (m) => {
      const finder = this.#finders.get(m.blockHash) ?? "?";
      this.#finders.delete(m.blockHash);
      if (m.accepted) {
        this.#counts.blocksAccepted += 1;
        this.#counts.height = Math.max(this.#counts.height, m.blockHeight);
        onBlock(`block ${m.blockHeight} ${m.blockHash.slice(0, 16)}… found by ${finder}, accepted by the node`);
      } else {
        this.#counts.blocksRejected += 1;
        onBlock(`block ${m.blockHeight} ${m.blockHash.slice(0, 16)}… found by ${finder}, REJECTED by the node: ${m.rejectReason}`);
      }
    });
    bus.subscribe(s.shareAccepted, ShareAcceptedSchema, () => {
      this.#counts.sharesAccepted += 1;
    });
    bus.subscribe(s.edgeEvent, EdgeEventSchema, (m) => {
      if (m.type !== EdgeEventType.share_rejected) return;
      this.#counts.sharesRejected += 1;
      const reason = GatewayReason[m.reasonCode] ?? String(m.reasonCode);
      this.#counts.rejectReasons[reason] = (this.#counts.rejectReasons[reason] ?? 0) + 1;
    });
    bus.subscribe(s.shareResult, ShareForwardResultSchema, (m) => {
      if (m.forwarded && m.upstreamAccepted === true) this.#counts.forwardedAccepted += 1;
      else this.#counts.forwardedNotAccepted += 1;
    });
    bus.subscribe(s.workflowEvent, WorkflowEventSchema, (m) => {
      if (m.state === WorkflowState.COMPLETED && m.previousState !== WorkflowState.COMPLETED) this.#counts.workflowsCompleted += 1;
      if (m.state === WorkflowState.FAILED && m.previousState !== WorkflowState.FAILED) this.#counts.workflowsFailed += 1;
    });
  }

  static async connect(natsUrl: string, subjectRoot: string, onBlock: (line: string) => void = () => {}): Promise<StackMonitor> {
    const bus = await Bus.connect({ servers: natsUrl, name: "dev-monitor", subjectRoot, waitOnFirstConnect: true });
    return new StackMonitor(bus, onBlock);
  }

  counts(): StackCounts {
    return { ...this.#counts, rejectReasons: { ...this.#counts.rejectReasons } };
  }

  async close(): Promise<void> {
    await this.bus.close();
  }
}
