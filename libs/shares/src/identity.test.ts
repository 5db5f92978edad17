import { createHash } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { eventIdOf, ShareIdentityError, shareIdOf } from "./identity.js";

describe("share identity", () => {
  it("share_id is the single SHA-256 of exactly 80 header bytes", () => {
    const header = Buffer.alloc(80, 7);
    expect(shareIdOf(header)).toBe(createHash("sha256").update(header).digest("hex"));
    expect(() => shareIdOf(Buffer.alloc(79))).toThrow(ShareIdentityError);
    expect(() => shareIdOf(Buffer.alloc(79))).toThrow("80 bytes");
  });

  it("event_id length-prefixes its fields, so moving bytes between worker and level changes it", () => {
    const shareId = "ab".repeat(32);
    expect(eventIdOf(shareId, "rig.a", "full")).toMatch(/^[0-9a-f]{64}$/);
    expect(eventIdOf(shareId, "rig.af", "ull")).not.toBe(eventIdOf(shareId, "rig.a", "full"));
    expect(eventIdOf(shareId, "rig.a", "basic")).not.toBe(eventIdOf(shareId, "rig.a", "full"));
    expect(() => eventIdOf(shareId, "w".repeat(0x10000), "full")).toThrow(ShareIdentityError);
  });
});
