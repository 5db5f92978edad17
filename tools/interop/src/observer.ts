// What Gatehouse says on its bus during the run: template proposals (which source, how many
// transactions, when they arrived), found blocks and the verifier's BlockResult for each.
import { Bus } from "@gatehouse/bus";
import { BlockFoundSchema, BlockResultSchema, TemplateProposalSchema } from "@gatehouse/proto/mining/v1";

export interface SeenProposal {
  source: string;
  templateId: bigint;
  blockHeight: number;
  txCount: number;
  weight: number | undefined;
  receivedAtMs: number;
}

export interface SeenBlock {
  hash: string;
  height: number;
  source: string;
  worker: string;
  foundAtMs: number;
  result?: { accepted: boolean; rejectReason: string; nodeAnswer: string | undefined; receivedAtMs: number };
}

/** Proposals kept: enough for a run's phases, bounded. */
const MAX_PROPOSALS = 10_000;

export class BusObserver {
  readonly proposals: SeenProposal[] = [];
  readonly blocks = new Map<string, SeenBlock>();
  readonly #waiters = new Set<() => void>();

  private constructor(private readonly bus: Bus) {
    const s = bus.subjects;
    bus.subscribe(s.templateProposed, TemplateProposalSchema, (p) => {
      this.proposals.push({
        source: p.source,
        templateId: p.templateId,
        blockHeight: p.blockHeight,
        txCount: p.txCount,
        weight: p.templateWeight === undefined ? undefined : Number(p.templateWeight),
        receivedAtMs: Date.now(),
      });
      if (this.proposals.length > MAX_PROPOSALS) this.proposals.shift();
      this.#notify();
    });
    bus.subscribe(s.blockFound, BlockFoundSchema, (b) => {
      if (!this.blocks.has(b.blockHash)) {
        this.blocks.set(b.blockHash, {
          hash: b.blockHash,
          height: b.blockHeight,
          source: b.source,
          worker: b.workerId,
          foundAtMs: Date.now(),
        });
      }
      this.#notify();
    });
    bus.subscribe(s.blockResult, BlockResultSchema, (r) => {
      const block = this.blocks.get(r.blockHash) ?? {
        hash: r.blockHash,
        height: r.blockHeight,
        source: r.source,
        worker: "?",
        foundAtMs: Date.now(),
      };
      // node_answer exists once the verifier reports Core's literal answer; read it when present.
      const nodeAnswer = (r as unknown as { nodeAnswer?: string }).nodeAnswer;
      block.result = { accepted: r.accepted, rejectReason: r.rejectReason, nodeAnswer: nodeAnswer || undefined, receivedAtMs: Date.now() };
      this.blocks.set(r.blockHash, block);
      this.#notify();
    });
  }

  static async connect(natsUrl: string, subjectRoot: string): Promise<BusObserver> {
    return new BusObserver(await Bus.connect({ servers: natsUrl, name: "interop-observer", subjectRoot, waitOnFirstConnect: true }));
  }

  /** Resolves with the first value `check` returns (re-checked on every bus message), or null at the deadline. */
  until<T>(check: () => T | undefined, timeoutMs: number): Promise<T | null> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve) => {
      const done = (value: T | null) => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve(value);
      };
      const waiter = () => {
        const value = check();
        if (value !== undefined) done(value);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  async close(): Promise<void> {
    await this.bus.close();
  }
}
