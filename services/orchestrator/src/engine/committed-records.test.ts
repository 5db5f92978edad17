import { describe, expect, it } from "@jest/globals";
import { workRecord } from "../../test/fixtures.js";
import { type CommittedRecord, CommittedRecords, servableFromMemory } from "./committed-records.js";
import type { WorkflowRecord, WorkflowState } from "./types.js";

const MAX_AGE = { runningMs: 1_000, finishedMs: 60_000 };

const record = (state: WorkflowState, id = "wf-1"): WorkflowRecord => workRecord(state, { id, step: "AWAIT_TX_CONFIRM", leaseToken: 3 });

const entry = (state: WorkflowState, dueAt: number | null, at = 1_000): CommittedRecord => ({ record: record(state), dueAt, at });

describe("servableFromMemory", () => {
  it("answers a RUNNING workflow until it is due again (no scheduler can claim it before)", () => {
    expect(servableFromMemory(entry("RUNNING", 1_050), 1_049, MAX_AGE)).toBe(true);
    expect(servableFromMemory(entry("RUNNING", 1_050), 1_050, MAX_AGE)).toBe(false);
  });

  it("answers a RUNNING workflow for at most runningMs, so another replica's cancel shows", () => {
    expect(servableFromMemory(entry("RUNNING", 60_000), 1_999, MAX_AGE)).toBe(true);
    expect(servableFromMemory(entry("RUNNING", 60_000), 2_000, MAX_AGE)).toBe(false);
  });

  it("answers COMPLETED and FAILED (final) for finishedMs", () => {
    expect(servableFromMemory(entry("COMPLETED", null), 60_999, MAX_AGE)).toBe(true);
    expect(servableFromMemory(entry("FAILED", null), 60_999, MAX_AGE)).toBe(true);
    expect(servableFromMemory(entry("COMPLETED", null), 61_000, MAX_AGE)).toBe(false);
  });

  it("never answers STALLED: the sweeper or an operator on any replica moves it", () => {
    expect(servableFromMemory(entry("STALLED", null), 1_001, MAX_AGE)).toBe(false);
  });

  it("answers a CREATED workflow for at most runningMs, whatever its due time, so another replica's commit shows", () => {
    expect(servableFromMemory(entry("CREATED", 1_000), 1_999, MAX_AGE)).toBe(true);
    expect(servableFromMemory(entry("CREATED", 1_000), 2_000, MAX_AGE)).toBe(false);
  });
});

describe("CommittedRecords", () => {
  it("answers the last commit while it stands and forgets it after", () => {
    const records = new CommittedRecords(10, MAX_AGE);
    records.committed(record("RUNNING"), 1_100, 1_000);
    const done = record("COMPLETED");
    records.committed(done, null, 1_050);
    expect(records.get("wf-1", 1_060)).toBe(done);
    expect(records.get("wf-1", 61_050)).toBeUndefined();
    expect(records.get("wf-1", 1_060)).toBeUndefined();
  });

  it("keeps answering through this replica's next claim, and forgets the record when another writer came in between", () => {
    const records = new CommittedRecords(10, MAX_AGE);
    // Committed under lease 3, due again at 1_050: claimed again by this replica with lease 4.
    records.committed(record("RUNNING"), 1_050, 1_000);
    records.claimed("wf-1", 4, 1_500);
    expect(records.get("wf-1", 1_100)?.state).toBe("RUNNING");
    // Lease 6: another replica (5) claimed it meanwhile, and may have committed.
    records.committed(record("RUNNING"), 1_150, 1_100);
    records.claimed("wf-1", 6, 1_600);
    expect(records.get("wf-1", 1_110)).toBeUndefined();
  });

  it("keeps a created workflow through this replica's first claim, and forgets it when another replica claimed it first", () => {
    const records = new CommittedRecords(10, MAX_AGE);
    records.committed(workRecord("CREATED", { id: "a", leaseToken: 0 }), 1_000, 1_000);
    records.committed(workRecord("CREATED", { id: "b", leaseToken: 0 }), 1_000, 1_000);
    records.claimed("a", 1, 31_000);
    records.claimed("b", 2, 31_000);
    expect(records.get("a", 1_010)?.state).toBe("CREATED");
    expect(records.get("b", 1_010)).toBeUndefined();
  });

  it("forgets a workflow whose lease was lost", () => {
    const records = new CommittedRecords(10, MAX_AGE);
    records.committed(record("RUNNING"), 5_000, 1_000);
    records.forget("wf-1");
    expect(records.get("wf-1", 1_001)).toBeUndefined();
  });

  it("keeps at most `capacity` workflows, dropping the least recently committed", () => {
    const records = new CommittedRecords(2, MAX_AGE);
    records.committed(record("COMPLETED", "a"), null, 1_000);
    records.committed(record("COMPLETED", "b"), null, 1_000);
    records.committed(record("COMPLETED", "a"), null, 1_001);
    records.committed(record("COMPLETED", "c"), null, 1_002);
    expect(records.get("b", 1_003)).toBeUndefined();
    expect(records.get("a", 1_003)?.id).toBe("a");
    expect(records.get("c", 1_003)?.id).toBe("c");
  });
});
