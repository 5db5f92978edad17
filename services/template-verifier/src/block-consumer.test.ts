import { describe, expect, it } from "@jest/globals";
import { BLOCK_SUBMIT_ATTEMPTS, blocksDurable, isLastSubmitAttempt } from "./block-consumer.js";

describe("found-block consumer rules", () => {
  it("tries the node on 5 deliveries: the fifth (4 redeliveries) is the last", () => {
    expect(BLOCK_SUBMIT_ATTEMPTS).toBe(5);
    expect([0, 1, 2, 3].map(isLastSubmitAttempt)).toEqual([false, false, false, false]);
    expect(isLastSubmitAttempt(4)).toBe(true);
    expect(isLastSubmitAttempt(9)).toBe(true);
  });

  it("names the durable after the subject root, dots made underscores", () => {
    expect(blocksDurable("gh")).toBe("template-verifier-blocks_gh");
    expect(blocksDurable("test.a1.gh")).toBe("template-verifier-blocks_test_a1_gh");
  });
});
