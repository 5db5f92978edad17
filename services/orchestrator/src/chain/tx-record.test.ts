import { describe, expect, it } from "@jest/globals";
import { decodeTxRecord, encodeReplacement, encodeTxRecord, type TxRecord, workflowOfTxKey } from "./tx-record.js";

const record: TxRecord = {
  key: "wf-1:SUBMIT_WORK_ONCHAIN",
  signer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  nonce: 41,
  to: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  data: "0xabcdef",
  gas: 123_456n,
  // Above 2^53: a double would round these.
  maxFeePerGas: 90_071_992_547_409_930n,
  maxPriorityFeePerGas: 1_000_000_001n,
  raw: "0x02f8",
  hashes: ["0x01", "0x02"],
  sentAt: 1_700_000_000_123,
  status: "sent",
};

describe("the transaction record codec", () => {
  it("round-trips a record through its text fields, amounts exact", () => {
    const fields = encodeTxRecord(record);
    expect(fields.max_fee_per_gas).toBe("90071992547409930");
    expect(fields.hashes).toBe('["0x01","0x02"]');
    expect(decodeTxRecord(fields)).toEqual(record);
  });

  it("decodes no record from an empty hash, and a missing sent_at as never sent", () => {
    expect(decodeTxRecord({})).toBeUndefined();
    const { sent_at: _sentAt, ...unsent } = encodeTxRecord(record);
    expect(decodeTxRecord(unsent)?.sentAt).toBe(0);
  });

  it("a replacement rewrites only the bytes, the hash list and the fees", () => {
    expect(encodeReplacement(record)).toEqual({
      raw: "0x02f8",
      hashes: '["0x01","0x02"]',
      max_fee_per_gas: "90071992547409930",
      max_priority_fee_per_gas: "1000000001",
    });
  });

  it("names the workflow a record belongs to", () => {
    expect(workflowOfTxKey(record.key)).toBe("wf-1");
  });
});
