import { contract } from "@gatehouse/sdk";
import { z } from "zod";
import type { CloseEpochInput, ScoreSubmissionInput, WorkSubmissionInput } from "../engine/types.js";

/**
 * Request bodies checked against the REST contract (`contract` of @gatehouse/sdk), answering the
 * first broken rule in body order: `{error: "<field> must …"}`.
 */
export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

type Body = Record<string, unknown>;

/** The top-level fields of an object schema (through a transform), in declaration order. */
function fieldsOf(schema: z.ZodType): string[] {
  if (schema instanceof z.ZodPipe) return fieldsOf(schema.in as z.ZodType);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/**
 * The message of the first broken rule, as a reader going through the body field by field meets
 * it: fields in declaration order (a rule spanning fields reports at its field), and an array's
 * own rules (type, length) before its entries'.
 */
export function firstProblem(issues: readonly z.core.$ZodIssue[], fields: readonly string[]): string {
  const rank = (issue: z.core.$ZodIssue) => {
    const at = fields.indexOf(String(issue.path[0]));
    return at < 0 ? fields.length : at;
  };
  const first = [...issues].sort((a, b) => rank(a) - rank(b))[0];
  if (!first) return "invalid request body";
  const enclosing = issues
    .filter((i) => i.path.length < first.path.length && i.path.every((p, k) => p === first.path[k]))
    .sort((a, b) => a.path.length - b.path.length);
  return (enclosing[0] ?? first).message;
}

function validate<S extends z.ZodType>(schema: S, body: Body): Validated<z.output<S>> {
  const parsed = schema.safeParse(body);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: firstProblem(parsed.error.issues, fieldsOf(schema)) };
}

/**
 * POST /workflows/work-submission. Accepts the current body (`dkg_evidence`) and the legacy one
 * (`thread_root` + `evidence_root`) the published SDK clients still send. Unknown fields are ignored.
 */
export function validateWorkSubmission(body: Body): Validated<WorkSubmissionInput> {
  const validated = validate(contract.workSubmissionSchema(body), body);
  // The evidence packages are kept exactly as sent (key order too): the idempotency fingerprint hashes them.
  if (validated.ok && "dkg_evidence" in validated.value) validated.value.dkg_evidence = body.dkg_evidence as contract.EvidencePackage[];
  return validated;
}

export function validateScoreSubmission(body: Body): Validated<ScoreSubmissionInput> {
  return validate(contract.ScoreSubmission, body);
}

export function validateCloseEpoch(body: Body): Validated<CloseEpochInput> {
  return validate(contract.CloseEpoch, body);
}
