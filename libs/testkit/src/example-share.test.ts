import { createHash } from "node:crypto";
import { eventIdOf, shareIdOf } from "@gatehouse/shares";
import { describe, expect, it } from "@jest/globals";
import { EXAMPLE_DIFFICULTY, exampleShare } from "./example-share.js";

describe("exampleShare", () => {
  it("example shares are distinct, consistent and meet their difficulty", () => {
    const a = exampleShare(1, { run: "x" });
    const b = exampleShare(2, { run: "x" });
    expect(a.shareId).not.toBe(b.shareId);
    expect(a.shareId).toBe(shareIdOf(a.header as Uint8Array));
    expect(a.eventId).toBe(eventIdOf(a.shareId, a.workerId, "full"));
    const hash = createHash("sha256")
      .update(
        createHash("sha256")
          .update(a.header as Uint8Array)
          .digest(),
      )
      .digest();
    const value = BigInt(`0x${Buffer.from(hash).reverse().toString("hex")}`);
    expect(value <= 0xffffn << 240n).toBe(true);
    expect(a.difficultyTarget).toBe(EXAMPLE_DIFFICULTY);
  });
});
