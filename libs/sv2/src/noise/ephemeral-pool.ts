import { type EllSwiftKeyPair, ellswiftCreate } from "./ellswift.js";

/**
 * Pre-generated responder ephemeral keys. EllSwift encoding is the most expensive step of a
 * responder handshake; generating keys in idle ticks keeps it off the accept path. Each key is
 * handed out once (reusing an ephemeral key would link sessions); an empty pool generates inline.
 */
export class EllSwiftKeyPool {
  private readonly keys: EllSwiftKeyPair[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private stopped = false;
  generatedInline = 0;

  constructor(
    private readonly capacity = 64,
    /** Keys generated per event-loop turn while refilling, so I/O is never starved. */
    private readonly batch = 2,
  ) {
    this.schedule();
  }

  get available(): number {
    return this.keys.length;
  }

  take(): EllSwiftKeyPair {
    const key = this.keys.pop();
    this.schedule();
    if (key) return key;
    this.generatedInline += 1;
    return ellswiftCreate();
  }

  stop(): void {
    this.stopped = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.keys.length = 0;
  }

  private schedule(): void {
    if (this.scheduled || this.stopped || this.keys.length >= this.capacity) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      for (let i = 0; i < this.batch && this.keys.length < this.capacity; i++) this.keys.push(ellswiftCreate());
      this.schedule();
    });
  }
}
