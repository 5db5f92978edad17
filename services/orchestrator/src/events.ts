import { randomUUID } from "node:crypto";
import type { Bus } from "@gatehouse/bus";
import { WorkflowState as ProtoState, WorkflowType as ProtoType, WorkflowEventSchema } from "@gatehouse/proto/workflow/v1";
import type { Logger } from "@gatehouse/service";
import type { TransitionEvent } from "./engine/engine.js";

const MAX_IN_FLIGHT = 1_000;

/**
 * Publishes a WorkflowEvent per committed transition to the WORKFLOW_EVENTS stream. Publishing
 * never blocks the engine; at most MAX_IN_FLIGHT publishes are outstanding, beyond that events
 * are dropped and counted.
 */
export class EventPublisher {
  #inFlight = 0;

  constructor(
    private readonly bus: Bus,
    private readonly subject: string,
    private readonly stream: string,
    private readonly instanceId: string,
    private readonly logger: Logger,
    private readonly count: (outcome: "published" | "failed" | "dropped") => void,
  ) {}

  publish(event: TransitionEvent): void {
    if (this.#inFlight >= MAX_IN_FLIGHT) {
      this.count("dropped");
      return;
    }
    const wf = event.workflow;
    const eventId = randomUUID();
    this.#inFlight++;
    this.bus
      .publishDurable(
        this.subject,
        WorkflowEventSchema,
        {
          eventId,
          workflowId: wf.id,
          workflowType: ProtoType[wf.type],
          state: ProtoState[wf.state],
          previousState: ProtoState[event.previousState],
          step: wf.step,
          previousStep: event.previousStep,
          stepAttempts: wf.attempts,
          ...(wf.error ? { error: { code: wf.error.code, message: wf.error.message, recoverable: wf.error.recoverable } } : {}),
          progressPatchJson: JSON.stringify(event.patch),
          signer: wf.signer,
          studioAddress: wf.studio,
          orchestratorInstanceId: this.instanceId,
          fencingToken: BigInt(event.fencingToken),
          timestampMs: BigInt(wf.updatedAt),
        },
        { msgId: eventId, expectStream: this.stream, timeoutMs: 5_000 },
      )
      .then(
        () => this.count("published"),
        (err: unknown) => {
          this.count("failed");
          this.logger.warn({ err: (err as Error).message, workflowId: wf.id }, "workflow event not published");
        },
      )
      .finally(() => this.#inFlight--);
  }
}
