import { describe, expect, it } from "@jest/globals";
import { validateCloseEpoch, validateScoreSubmission, validateWorkSubmission } from "./validation.js";

const studio = `0x${"1".repeat(40)}`;
const signer = `0x${"2".repeat(40)}`;
const worker = `0x${"3".repeat(40)}`;
const hash = `0x${"ab".repeat(32)}`;
const ZERO = `0x${"0".repeat(64)}`;
const pkg = (id: string, extra: Record<string, unknown> = {}) => ({
  arweave_tx_id: id,
  author: worker,
  timestamp: 1,
  parent_ids: [],
  payload_hash: hash,
  artifact_ids: [],
  signature: "0x",
  ...extra,
});
const work = (over: Record<string, unknown> = {}) => ({
  studio_address: studio,
  epoch: 1,
  agent_address: worker,
  data_hash: hash,
  dkg_evidence: [pkg("a")],
  evidence_content: "aGk=",
  signer_address: signer,
  ...over,
});
const score = (over: Record<string, unknown> = {}) => ({
  studio_address: studio,
  epoch: 1,
  validator_address: worker,
  data_hash: hash,
  scores: [5000],
  signer_address: signer,
  worker_address: worker,
  ...over,
});
const errorOf = (result: { ok: boolean; error?: string }) => (result.ok ? "valid" : result.error);

describe("validateWorkSubmission", () => {
  it("keeps the fields the workflow needs, in body order, and drops unknown ones", () => {
    const result = validateWorkSubmission({ extra: 1, ...work(), thread_root: hash });
    expect(result.ok && JSON.stringify(result.value)).toBe(JSON.stringify(work()));
  });

  it("keeps each evidence package exactly as sent: extra keys and key order", () => {
    const sent = { custom: { x: 1 }, ...pkg("a", { event_type: 7 }) };
    const result = validateWorkSubmission(work({ dkg_evidence: [sent] }));
    expect(result.ok && JSON.stringify(result.value.dkg_evidence)).toBe(JSON.stringify([sent]));
  });

  it("reads a body with thread_root and no dkg_evidence as the legacy body", () => {
    const { dkg_evidence: _current, evidence_content, signer_address, ...common } = work();
    const legacy = { ...common, thread_root: hash, evidence_root: hash, evidence_content, signer_address };
    const result = validateWorkSubmission(legacy);
    expect(result.ok && JSON.stringify(result.value)).toBe(JSON.stringify(legacy));
    expect(errorOf(validateWorkSubmission({ ...legacy, evidence_root: "0x1" }))).toMatch(/^evidence_root must be a 0x-prefixed 32-byte/);
  });

  it("answers the first broken rule in body order, an array's own rules before its entries'", () => {
    const many = Array.from({ length: 5_001 }, (_, i) => pkg(String(i)));
    many[3] = pkg("3", { author: "" });
    expect(errorOf(validateWorkSubmission(work({ dkg_evidence: many, signer_address: "0x1" })))).toBe(
      "dkg_evidence must have at most 5000 entries",
    );
    expect(errorOf(validateWorkSubmission(work({ dkg_evidence: [pkg("a"), pkg("b", { author: "" })] })))).toBe(
      "dkg_evidence[1].author must be a non-empty string",
    );
    expect(errorOf(validateWorkSubmission(work({ dkg_evidence: [pkg("a", { parent_ids: ["p", 5] })] })))).toBe(
      "dkg_evidence[0].parent_ids must contain strings",
    );
    const parents = [...Array.from({ length: 1_001 }, () => "p"), 5];
    expect(errorOf(validateWorkSubmission(work({ dkg_evidence: [pkg("a", { parent_ids: parents })] })))).toBe(
      "dkg_evidence[0].parent_ids must have at most 1000 entries",
    );
    expect(errorOf(validateWorkSubmission(work({ dkg_evidence: [[]] })))).toBe("dkg_evidence[0] must be an object");
    expect(errorOf(validateWorkSubmission(work({ epoch: "1", studio_address: 5 })))).toMatch(/^studio_address must be/);
  });
});

describe("validateScoreSubmission", () => {
  it("reads an absent, null or empty salt as zero, a null mode as direct, and drops null optional addresses", () => {
    for (const salt of [undefined, null, ""]) {
      const result = validateScoreSubmission(score({ salt, mode: null, admin_signer_address: null }));
      const { signer_address, worker_address, ...first } = score();
      expect(result.ok && JSON.stringify(result.value)).toBe(
        JSON.stringify({ ...first, salt: ZERO, signer_address, mode: "direct", worker_address }),
      );
    }
  });

  it("requires worker_address in direct mode only, reported before a later field's problem", () => {
    expect(errorOf(validateScoreSubmission(score({ worker_address: undefined, admin_signer_address: "0x1" })))).toBe(
      "worker_address is required for direct mode",
    );
    expect(errorOf(validateScoreSubmission(score({ worker_address: null, mode: "commit_reveal", salt: hash })))).toBe("valid");
    expect(errorOf(validateScoreSubmission(score({ worker_address: undefined, mode: "fast" })))).toBe(
      'mode must be "direct" or "commit_reveal"',
    );
  });

  it("refuses scores that are not a non-empty array of basis points", () => {
    expect(errorOf(validateScoreSubmission(score({ scores: "1" })))).toBe("scores must be a non-empty array");
    expect(errorOf(validateScoreSubmission(score({ scores: [1, 2.5] })))).toBe(
      "scores[1] must be an integer between 0 and 10000 (basis points)",
    );
    expect(errorOf(validateScoreSubmission(score({ scores: Array.from({ length: 257 }, () => 1) })))).toBe(
      "scores must have at most 256 entries",
    );
  });
});

describe("validateCloseEpoch", () => {
  it("takes the three fields and refuses a missing signer", () => {
    const close = { studio_address: studio, epoch: 0, signer_address: signer };
    expect(validateCloseEpoch({ ...close, extra: true })).toEqual({ ok: true, value: close });
    expect(errorOf(validateCloseEpoch({ ...close, signer_address: undefined }))).toBe(
      "signer_address must be a 0x-prefixed 20-byte hex address (42 characters)",
    );
  });
});
