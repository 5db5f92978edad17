import { ADDRESS } from "../chain/address.js";
import type { EvidencePackage } from "../dkg/index.js";
import type { CloseEpochInput, ScoreMode, ScoreSubmissionInput, WorkSubmissionInput } from "../engine/types.js";

export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

const ZERO_BYTES32 = `0x${"0".repeat(64)}`;
const MAX_EVIDENCE = 5_000;
const MAX_PARENTS = 1_000;
const MAX_SCORES = 256;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
/** The base64 alphabet (RFC 4648, standard) with at most two padding characters at the end. */
export const BASE64_ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * RFC 4648 base64 (the standard alphabet, as Buffer#toString("base64") writes it), padding
 * optional: the alphabet, then the length rule. No nested pattern: evidence runs to megabytes, and
 * a pattern with nested groups overflows the regex engine's stack there (~7 MB).
 */
export function isBase64(text: string): boolean {
  if (!BASE64_ALPHABET.test(text)) return false;
  const padded = text.endsWith("=");
  return padded ? text.length % 4 === 0 : text.length % 4 !== 1;
}

class Invalid extends Error {}

type Body = Record<string, unknown>;

function address(body: Body, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || !ADDRESS.test(value))
    throw new Invalid(`${field} must be a 0x-prefixed 20-byte hex address (42 characters)`);
  return value;
}

function optionalAddress(body: Body, field: string): string | undefined {
  return body[field] === undefined || body[field] === null ? undefined : address(body, field);
}

function bytes32(body: Body, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || !BYTES32.test(value))
    throw new Invalid(`${field} must be a 0x-prefixed 32-byte hex value (66 characters)`);
  return value;
}

function epoch(body: Body): number {
  const value = body.epoch;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw new Invalid("epoch must be an integer >= 0");
  return value;
}

function evidencePackage(value: unknown, i: number): EvidencePackage {
  const at = `dkg_evidence[${i}]`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Invalid(`${at} must be an object`);
  const pkg = value as Body;
  for (const field of ["arweave_tx_id", "author"]) {
    if (typeof pkg[field] !== "string" || (pkg[field] as string).length === 0)
      throw new Invalid(`${at}.${field} must be a non-empty string`);
  }
  if (typeof pkg.timestamp !== "number" || !Number.isFinite(pkg.timestamp)) throw new Invalid(`${at}.timestamp must be a number`);
  if (!Array.isArray(pkg.parent_ids)) throw new Invalid(`${at}.parent_ids must be an array`);
  if (pkg.parent_ids.length > MAX_PARENTS) throw new Invalid(`${at}.parent_ids must have at most ${MAX_PARENTS} entries`);
  if (!pkg.parent_ids.every((p) => typeof p === "string")) throw new Invalid(`${at}.parent_ids must contain strings`);
  if (typeof pkg.payload_hash !== "string") throw new Invalid(`${at}.payload_hash must be a string`);
  if (!Array.isArray(pkg.artifact_ids)) throw new Invalid(`${at}.artifact_ids must be an array`);
  if (typeof pkg.signature !== "string") throw new Invalid(`${at}.signature must be a string`);
  return pkg as unknown as EvidencePackage;
}

function guard<T>(parse: () => T): Validated<T> {
  try {
    return { ok: true, value: parse() };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, error: err.message };
    throw err;
  }
}

/**
 * POST /workflows/work-submission. Accepts the current body (`dkg_evidence`) and the legacy one
 * (`thread_root` + `evidence_root`) the published SDK clients still send. Unknown fields are ignored.
 */
export function validateWorkSubmission(body: Body): Validated<WorkSubmissionInput> {
  return guard(() => {
    const common = {
      studio_address: address(body, "studio_address"),
      epoch: epoch(body),
      agent_address: address(body, "agent_address"),
      data_hash: bytes32(body, "data_hash"),
    };
    const legacy = body.dkg_evidence === undefined && body.thread_root !== undefined;
    let roots: Pick<WorkSubmissionInput, "dkg_evidence" | "thread_root" | "evidence_root">;
    if (legacy) {
      roots = { thread_root: bytes32(body, "thread_root"), evidence_root: bytes32(body, "evidence_root") };
    } else {
      if (!Array.isArray(body.dkg_evidence)) throw new Invalid("dkg_evidence must be an array");
      if (body.dkg_evidence.length === 0) throw new Invalid("dkg_evidence must be a non-empty array");
      if (body.dkg_evidence.length > MAX_EVIDENCE) throw new Invalid(`dkg_evidence must have at most ${MAX_EVIDENCE} entries`);
      roots = { dkg_evidence: body.dkg_evidence.map(evidencePackage) };
    }
    if (typeof body.evidence_content !== "string") throw new Invalid("evidence_content must be a string");
    if (!isBase64(body.evidence_content)) throw new Invalid("evidence_content must be base64 (RFC 4648, standard alphabet)");
    return { ...common, ...roots, evidence_content: body.evidence_content, signer_address: address(body, "signer_address") };
  });
}

export function validateScoreSubmission(body: Body): Validated<ScoreSubmissionInput> {
  return guard(() => {
    const studio_address = address(body, "studio_address");
    const parsedEpoch = epoch(body);
    const validator_address = address(body, "validator_address");
    const data_hash = bytes32(body, "data_hash");
    const scores = body.scores;
    if (!Array.isArray(scores) || scores.length === 0) throw new Invalid("scores must be a non-empty array");
    if (scores.length > MAX_SCORES) throw new Invalid(`scores must have at most ${MAX_SCORES} entries`);
    scores.forEach((s, i) => {
      if (typeof s !== "number" || !Number.isInteger(s) || s < 0 || s > 10_000)
        throw new Invalid(`scores[${i}] must be an integer between 0 and 10000 (basis points)`);
    });
    // Absent, null or "" all mean the zero salt, as the ChaosChain gateway reads it.
    const salt = body.salt === undefined || body.salt === null || body.salt === "" ? ZERO_BYTES32 : bytes32(body, "salt");
    const signer_address = address(body, "signer_address");
    const mode = (body.mode ?? "direct") as ScoreMode;
    if (mode !== "direct" && mode !== "commit_reveal") throw new Invalid('mode must be "direct" or "commit_reveal"');
    const worker_address = optionalAddress(body, "worker_address");
    if (mode === "direct" && !worker_address) throw new Invalid("worker_address is required for direct mode");
    const admin_signer_address = optionalAddress(body, "admin_signer_address");
    return {
      studio_address,
      epoch: parsedEpoch,
      validator_address,
      data_hash,
      scores: scores as number[],
      salt,
      signer_address,
      mode,
      ...(worker_address ? { worker_address } : {}),
      ...(admin_signer_address ? { admin_signer_address } : {}),
    };
  });
}

export function validateCloseEpoch(body: Body): Validated<CloseEpochInput> {
  return guard(() => ({
    studio_address: address(body, "studio_address"),
    epoch: epoch(body),
    signer_address: address(body, "signer_address"),
  }));
}
