import { contract } from "@gatehouse/sdk";
import { z } from "zod";

/**
 * The OpenAPI document's `components.schemas`, each converted from its REST contract schema with
 * zod's JSON Schema (2020-12, the dialect of OpenAPI 3.1) converter: what a client may send
 * (`io: "input"`: defaults optional, unknown fields allowed).
 */
export const CONTRACT_COMPONENTS = {
  Error: contract.ErrorBody,
  EnvelopeError: contract.EnvelopeError,
  Health: contract.Health,
  Workflow: contract.Workflow,
  WorkflowList: contract.WorkflowList,
  WorkSubmissionProgress: contract.WorkSubmissionProgress,
  ScoreSubmissionProgress: contract.ScoreSubmissionProgress,
  CloseEpochProgress: contract.CloseEpochProgress,
  StudioWork: contract.StudioWork,
  PendingWorkResponse: contract.PendingWorkResponse,
  WorkEvidence: contract.WorkEvidence,
  WorkEvidenceResponse: contract.WorkEvidenceResponse,
  EvidencePackage: contract.EvidencePackage,
  WorkSubmission: contract.WorkSubmission,
  LegacyWorkSubmission: contract.LegacyWorkSubmission,
  ScoreSubmission: contract.ScoreSubmission,
  CloseEpoch: contract.CloseEpoch,
} satisfies Record<string, z.ZodType>;

export type ComponentName = keyof typeof CONTRACT_COMPONENTS;

export const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });

type JsonSchema = Record<string, unknown>;

/** Rules a JSON Schema cannot state, said in the component's description instead. */
const UNSTATED: Partial<Record<ComponentName, string>> = {
  WorkSubmission: "evidence_content is base64 of a valid length too (RFC 4648: not 1 mod 4 unpadded, a multiple of 4 padded).",
  LegacyWorkSubmission: "evidence_content is base64 of a valid length too (RFC 4648: not 1 mod 4 unpadded, a multiple of 4 padded).",
  ScoreSubmission: "worker_address is required when mode is direct (the default).",
};

export function componentSchemas(): Record<ComponentName, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(CONTRACT_COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io: "input", uri: (id) => ref(id as ComponentName).$ref });
  const components = {} as Record<ComponentName, JsonSchema>;
  for (const name of Object.keys(CONTRACT_COMPONENTS) as ComponentName[]) {
    const { $schema: _dialect, $id: _id, ...schema } = schemas[name] as JsonSchema;
    const unstated = UNSTATED[name];
    components[name] = unstated ? { ...schema, description: [schema.description, unstated].filter(Boolean).join(" ") } : schema;
  }
  // The progress keys depend on the workflow type: name the three shapes they can take.
  const workflow = components.Workflow as { properties: Record<string, JsonSchema> };
  workflow.properties.progress = {
    ...workflow.properties.progress,
    anyOf: [ref("WorkSubmissionProgress"), ref("ScoreSubmissionProgress"), ref("CloseEpochProgress")],
  };
  return components;
}
