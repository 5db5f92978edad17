import { z } from "zod";
import { EvidencePackage } from "./evidence.js";
import { address, BASE64_ALPHABET, bytes32, epoch, isBase64, list, says, ZERO_BYTES32 } from "./fields.js";

/** The bodies of the three POST /workflows routes. Unknown fields are ignored (and not kept). */

export const MAX_EVIDENCE = 5_000;
export const MAX_SCORES = 256;
export const SCORE_MODES = ["direct", "commit_reveal"] as const;
export type ScoreMode = (typeof SCORE_MODES)[number];

const evidenceContent = z
  .string({ error: says("must be a string") })
  .regex(BASE64_ALPHABET, { error: says("must be base64 (RFC 4648, standard alphabet)") })
  .refine(isBase64, { error: says("must be base64 (RFC 4648, standard alphabet)") })
  .describe("Base64 (RFC 4648 standard alphabet, padding optional)");

const workFields = { studio_address: address(), epoch: epoch(), agent_address: address(), data_hash: bytes32() };

/** The current work body: the orchestrator computes the roots from `dkg_evidence`. */
export const WorkSubmission = z
  .object({
    ...workFields,
    dkg_evidence: list(EvidencePackage, MAX_EVIDENCE).min(1, { error: says("must be a non-empty array") }),
    evidence_content: evidenceContent,
    signer_address: address(),
  })
  .describe("The current body: the orchestrator computes the thread and evidence roots from dkg_evidence");
export type WorkSubmission = z.output<typeof WorkSubmission>;

/** The legacy work body the published SDK clients send: roots given, no `dkg_evidence`. */
export const LegacyWorkSubmission = z
  .object({
    ...workFields,
    dkg_evidence: z.never().optional().describe("Absent: a body with dkg_evidence is the current body"),
    thread_root: bytes32(),
    evidence_root: bytes32(),
    evidence_content: evidenceContent,
    signer_address: address(),
  })
  .describe("The legacy body the published SDK clients send: the roots given by the caller");
export type LegacyWorkSubmission = z.output<typeof LegacyWorkSubmission>;

/** Which work body `body` is: the legacy one when it has `thread_root` and no `dkg_evidence`. */
export function workSubmissionSchema(body: Record<string, unknown>): typeof WorkSubmission | typeof LegacyWorkSubmission {
  return body.dkg_evidence === undefined && body.thread_root !== undefined ? LegacyWorkSubmission : WorkSubmission;
}

const optionalAddress = () =>
  address()
    .nullish()
    .transform((v) => v ?? undefined);

export const ScoreSubmission = z
  .object({
    studio_address: address(),
    epoch: epoch(),
    validator_address: address(),
    data_hash: bytes32(),
    scores: z
      .array(
        z
          .int({ error: says("must be an integer between 0 and 10000 (basis points)") })
          .min(0)
          .max(10_000),
        {
          error: says("must be a non-empty array"),
        },
      )
      .min(1)
      .max(MAX_SCORES, { error: says(`must have at most ${MAX_SCORES} entries`) })
      .describe("Basis points per worker"),
    // Absent, null or "" all mean the zero salt, as the ChaosChain gateway reads it.
    salt: z
      .union([bytes32(), z.literal(""), z.null()], { error: says("must be a 0x-prefixed 32-byte hex value (66 characters)") })
      .optional()
      .transform((v) => v || ZERO_BYTES32)
      .describe('Absent, null or "" mean the zero bytes32'),
    signer_address: address(),
    mode: z
      .enum(SCORE_MODES, { error: 'mode must be "direct" or "commit_reveal"' })
      .nullish()
      .transform((v): ScoreMode => v ?? "direct")
      .describe("Absent or null: direct"),
    worker_address: optionalAddress().describe("Required in direct mode"),
    admin_signer_address: optionalAddress(),
  })
  .refine((v) => v.mode !== "direct" || v.worker_address !== undefined, {
    path: ["worker_address"],
    error: "worker_address is required for direct mode",
    // Also when another field is wrong, so the first wrong field in body order is the one reported.
    when: () => true,
  })
  .transform(({ worker_address, admin_signer_address, ...rest }) => ({
    ...rest,
    ...(worker_address ? { worker_address } : {}),
    ...(admin_signer_address ? { admin_signer_address } : {}),
  }));
export type ScoreSubmission = z.output<typeof ScoreSubmission>;

export const CloseEpoch = z.object({ studio_address: address(), epoch: epoch(), signer_address: address() });
export type CloseEpoch = z.output<typeof CloseEpoch>;
