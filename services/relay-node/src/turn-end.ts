/**
 * Work left for the end of the current event-loop turn, run in one callback in the order it was
 * deferred, so that what the tasks publish leaves in one NATS write: the acknowledgement of a
 * request batch and the signed responses that became ready in the same turn share one socket
 * write (and one wake-up of the gateway) instead of taking one each. Tasks must not throw; each
 * handles its own failures.
 */
export class TurnEnd {
  #tasks: Array<() => void> = [];

  defer(task: () => void): void {
    this.#tasks.push(task);
    if (this.#tasks.length === 1) setImmediate(() => this.#run());
  }

  #run(): void {
    const tasks = this.#tasks;
    this.#tasks = [];
    for (const task of tasks) task();
  }
}
