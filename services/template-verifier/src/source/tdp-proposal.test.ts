import { BitcoinFormatError } from "@gatehouse/bitcoin";
import type { MessageFields } from "@gatehouse/sv2";
import { describe, expect, it } from "@jest/globals";
import { proposalFromTdp } from "./tdp-proposal.js";

describe("proposalFromTdp", () => {
  it("refuses coinbase_tx_outputs too short for the output count the TP gives", () => {
    // Two outputs need at least 2 × 9 bytes (8-byte value, script length); 17 bytes cannot hold them.
    const template = { coinbaseTxOutputs: new Uint8Array(17), coinbaseTxOutputsCount: 2 } as MessageFields<"NewTemplate">;
    const prev = {} as MessageFields<"SetNewPrevHashTdp">;
    const options = { source: "sv2-tdp", sourceInstanceId: "tdp", payoutScript: new Uint8Array(22), createdAtMs: 0 };
    expect(() => proposalFromTdp(template, prev, [], options)).toThrow(BitcoinFormatError);
    expect(() => proposalFromTdp(template, prev, [], options)).toThrow("coinbase_tx_outputs cannot hold 2 outputs");
  });
});
