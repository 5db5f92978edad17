import { create } from "@bufbuild/protobuf";
import { TemplateVerdictSchema, VerdictReason } from "@gatehouse/proto/mining/v1";
import { afterEach, beforeEach, describe, expect, it, jest } from "@jest/globals";
import { templateFixture } from "../../test/template-fixture.js";
import { type BookOptions, type EffectiveMode, TemplateBook } from "./book.js";

const TIP_A = "aa".repeat(32);
const TIP_B = "bb".repeat(32);

function harness(mode: EffectiveMode, options: Partial<BookOptions> = {}) {
  const log: string[] = [];
  const book = new TemplateBook(
    {
      cacheSize: 4,
      extranonceLength: 8,
      verdictTimeoutMs: 50,
      staleHoldMs: 500,
      failurePolicy: "fail_closed",
      maxFutureTemplates: 2,
      mode: () => mode,
      ...options,
    },
    {
      serve: (t, newTip) => log.push(`serve ${t.proposal.templateId}${newTip ? " tip" : ""}`),
      tipRejected: (t) => log.push(`rejected ${t.proposal.templateId}`),
      verdictLate: (t) => log.push(`late ${t.proposal.templateId}`),
      switchTimeout: (t, served) => log.push(`timeout ${t.proposal.templateId}${served ? " served" : ""}`),
      malformed: (p) => log.push(`malformed ${p.templateId}`),
    },
  );
  return { book, log };
}

const verdict = (templateId: bigint, accepted: boolean) =>
  create(TemplateVerdictSchema, { templateId, accepted, reasonCode: accepted ? VerdictReason.ok : VerdictReason.total_fees_below_minimum });

// Jest's fake timers move Date.now() together with the book's verdict and stale timers, so each
// proposal is given the fake time.
beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

describe("TemplateBook", () => {
  it("observe serves every template on arrival, a new prev_hash as a new tip", () => {
    const { book, log } = harness("observe");
    book.onProposal(templateFixture({ templateId: 1n, prevHash: TIP_A }), Date.now());
    book.onProposal(templateFixture({ templateId: 2n, prevHash: TIP_A }), Date.now());
    book.onVerdict(verdict(1n, false));
    book.onProposal(templateFixture({ templateId: 3n, prevHash: TIP_B }), Date.now());
    expect(log).toEqual(["serve 1 tip", "serve 2", "serve 3 tip"]);
  });

  it("shadow serves nothing", () => {
    const { book, log } = harness("shadow");
    book.onProposal(templateFixture({ templateId: 1n }), Date.now());
    book.onVerdict(verdict(1n, true));
    expect(log).toEqual([]);
    expect(book.get(1n)?.verdict).toBe("accepted");
  });

  it("inline waits for an accepting verdict, including one that arrived before its proposal", () => {
    const { book, log } = harness("inline");
    book.onProposal(templateFixture({ templateId: 1n, prevHash: TIP_A }), Date.now());
    expect(log).toEqual([]);
    book.onVerdict(verdict(1n, true));
    book.onVerdict(verdict(2n, true));
    book.onProposal(templateFixture({ templateId: 2n, prevHash: TIP_A }), Date.now());
    book.onProposal(templateFixture({ templateId: 3n, prevHash: TIP_A }), Date.now());
    book.onVerdict(verdict(3n, false));
    expect(log).toEqual(["serve 1 tip", "serve 2"]);
  });

  it("inline: a rejected new tip is reported and not served", () => {
    const { book, log } = harness("inline");
    book.onProposal(templateFixture({ templateId: 1n, prevHash: TIP_A }), Date.now());
    book.onVerdict(verdict(1n, true));
    book.onProposal(templateFixture({ templateId: 2n, prevHash: TIP_B }), Date.now());
    book.onVerdict(verdict(2n, false));
    jest.advanceTimersByTime(1000);
    expect(log).toEqual(["serve 1 tip", "rejected 2"]);
    expect(book.current?.proposal.templateId).toBe(1n);
  });

  it("inline: a late verdict within the stale hold still switches; none at all times out (fail_closed)", () => {
    const { book, log } = harness("inline");
    book.onProposal(templateFixture({ templateId: 1n, prevHash: TIP_A }), Date.now());
    jest.advanceTimersByTime(100);
    book.onVerdict(verdict(1n, true));
    book.onProposal(templateFixture({ templateId: 2n, prevHash: TIP_B }), Date.now());
    jest.advanceTimersByTime(499);
    expect(log).toEqual(["late 1", "serve 1 tip", "late 2"]);
    jest.advanceTimersByTime(1);
    expect(log).toEqual(["late 1", "serve 1 tip", "late 2", "timeout 2"]);
    expect(book.current?.proposal.templateId).toBe(1n);
  });

  it("inline fail_open serves the unverified tip when the hold expires", () => {
    const { book, log } = harness("inline", { failurePolicy: "fail_open" });
    book.onProposal(templateFixture({ templateId: 1n, prevHash: TIP_B }), Date.now());
    jest.advanceTimersByTime(500);
    expect(log).toEqual(["late 1", "serve 1 tip", "timeout 1 served"]);
    expect(book.servedUnverified).toBe(1);
  });

  it("keeps at most cacheSize templates but never evicts the one being mined", () => {
    const { book } = harness("observe", { cacheSize: 2 });
    book.onProposal(templateFixture({ templateId: 1n }), Date.now());
    book.onProposal(templateFixture({ templateId: 2n }), Date.now());
    book.onProposal(templateFixture({ templateId: 3n }), Date.now());
    expect(book.size).toBe(2);
    expect(book.get(1n)).toBeUndefined();
    expect(book.get(3n)).toBeDefined();
  });

  it("drops a proposal whose coinbase material is malformed", () => {
    const { book, log } = harness("observe");
    const bad = templateFixture({ templateId: 9n });
    bad.coinbaseTxOutputs = new Uint8Array(3);
    book.onProposal(bad, Date.now());
    expect(log).toEqual(["malformed 9"]);
  });
});
