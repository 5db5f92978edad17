import { createHash } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { eventIdOf, shareIdOf } from "./identity.js";

describe("share identity", () => {
  it("share_id is one SHA-256 of the 80-byte header (not the block hash)", () => {
    const header = new Uint8Array(80).fill(1);
    expect(shareIdOf(header)).toBe(createHash("sha256").update(header).digest("hex"));
    expect(() => shareIdOf(new Uint8Array(79))).toThrow(/80 bytes/);
  });

  it("event_id length-prefixes worker_id and validation_level, so shifting bytes between them changes it", () => {
    const shareId = "ab".repeat(32);
    const expected = createHash("sha256")
      .update(Buffer.from(shareId, "hex"))
      .update(Buffer.from([3, 0]))
      .update("bob")
      .update(Buffer.from([4, 0]))
      .update("full")
      .digest("hex");
    expect(eventIdOf(shareId, "bob", "full")).toBe(expected);
    expect(eventIdOf(shareId, "bobf", "ull")).not.toBe(expected);
  });
});
