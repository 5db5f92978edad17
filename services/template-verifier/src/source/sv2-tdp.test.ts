import { create } from "@bufbuild/protobuf";
import { type BlockFound, BlockFoundSchema } from "@gatehouse/proto/mining/v1";
import { createLogger } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { UpstreamUnavailableError } from "./source.js";
import { Sv2TdpSource } from "./sv2-tdp.js";

describe("Sv2TdpSource", () => {
  it("refuses to submit a block before it has a connection to the TP, so the caller retries", async () => {
    const source = new Sv2TdpSource({
      host: "127.0.0.1",
      port: 1,
      authorityPublicKey: "",
      sourceInstanceId: "tdp",
      payoutScript: new Uint8Array(22),
      coinbaseOutputMaxAdditionalSize: 64,
      coinbaseOutputMaxAdditionalSigops: 4,
      reconnectDelayMs: 1_000,
      blockConfirmTimeoutMs: 1_000,
      logger: createLogger({ service: "test", instanceId: "t", level: "fatal" }),
      onProposal: () => {},
    });
    const found = create(BlockFoundSchema, {}) as BlockFound;
    await expect(source.submitBlock(found)).rejects.toThrow(UpstreamUnavailableError);
  });
});
