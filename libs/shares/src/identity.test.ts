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

  it("event_id keeps its bytes: known values (UTF-8 lengths in bytes, not characters)", () => {
    expect(eventIdOf("ab".repeat(32), "rig.a", "full")).toBe("9989800dcf986e8ce0375f773162be52ec9f6b4d4bd820e3fe1ebe2fdc41f96e");
    expect(eventIdOf("0f".repeat(32), "wörker✓.1", "basic")).toBe("d1419c220d5c4639eee51206910c95d57d7be0bd3e64380816cc74b1422ea49e");
    const longest = "w".repeat(0xffff);
    const expected = createHash("sha256")
      .update(Buffer.from("ab".repeat(32), "hex"))
      .update(Buffer.from([0xff, 0xff]))
      .update(longest)
      .update(Buffer.from([4, 0]))
      .update("full")
      .digest("hex");
    expect(eventIdOf("ab".repeat(32), longest, "full")).toBe(expected);
  });
});
