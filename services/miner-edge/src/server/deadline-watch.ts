import type { Clock } from "@gatehouse/service";
import type { ConnectionDeadlines, Deadline } from "../admission/deadlines.js";

/**
 * The timer half of ConnectionDeadlines: armed only while a deadline is pending (a connection
 * that has set up, opened a channel and is between frames has no timer), re-armed when the next
 * deadline moves, and told to fire when it passes.
 */
export class DeadlineWatch {
  #timer: NodeJS.Timeout | undefined;
  #armedFor: number | undefined;
  #stopped = false;

  constructor(
    private readonly deadlines: ConnectionDeadlines,
    private readonly onExpired: (deadline: Deadline) => void,
    private readonly clock: Clock,
  ) {}

  /** Call after anything that may move the next deadline. */
  update(): void {
    if (this.#stopped) return;
    const next = this.deadlines.next();
    if (next?.at === this.#armedFor) return;
    clearTimeout(this.#timer);
    this.#armedFor = next?.at;
    if (!next) return;
    this.#timer = setTimeout(() => this.#check(), Math.max(0, next.at - this.clock.now()));
  }

  #check(): void {
    this.#armedFor = undefined;
    const passed = this.deadlines.expired(this.clock.now());
    if (!passed) {
      this.update();
      return;
    }
    this.stop();
    this.onExpired(passed);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
