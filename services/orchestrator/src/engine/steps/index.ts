import type { WorkflowType } from "../types.js";
import { closeSteps } from "./close.js";
import type { StepDefinition } from "./context.js";
import { scoreSteps } from "./score.js";
import { workSteps } from "./work.js";

export type { StepContext, StepDefinition } from "./context.js";
export { AWAITING_SINCE, withNoted } from "./context.js";

const registry: Record<WorkflowType, Record<string, StepDefinition>> = {
  WorkSubmission: workSteps,
  ScoreSubmission: scoreSteps,
  CloseEpoch: closeSteps,
};

export function stepDefinition(type: WorkflowType, step: string): StepDefinition | undefined {
  return registry[type][step];
}
