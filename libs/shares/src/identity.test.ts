import { createHash } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { EXAMPLE_DIFFICULTY, exampleShare } from "./example.js";
import { eventIdOf, shareIdOf } from "./identity.js";

describe("share identity", () => {
  it("share_id is the single SHA-256 of exactly 80 header bytes", () => {
    const header = Buffer.alloc(80, 7);
    expect(shareIdOf(header)).toBe(createHash("sha256").update(header).digest("hex"));
    expect(() => shareIdOf(Buffer.alloc(79))).toThrow("80 bytes");
  });

  it("event_id length-prefixes its fields, so moving bytes between worker and level changes it", () => {
    const shareId = "ab".repeat(32);
    expect(eventIdOf(shareId, "rig.a", "full")).toMatch(/^[0-9a-f]{64}$/);
    expect(eventIdOf(shareId, "rig.af", "ull")).not.toBe(eventIdOf(shareId, "rig.a", "full"));
    expect(eventIdOf(shareId, "rig.a", "basic")).not.toBe(eventIdOf(shareId, "rig.a", "full"));
  });

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
