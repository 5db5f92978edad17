import { InvariantError } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { ExtranonceAllocator } from "./extranonce.js";

describe("ExtranonceAllocator", () => {
  it("prefixes every allocation with the server id and never repeats", () => {
    const a = new ExtranonceAllocator(0x0102);
    const b = new ExtranonceAllocator(0x0103);
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      for (const prefix of [a.next(), b.next()]) {
        expect(prefix).toHaveLength(8);
        seen.add(Buffer.from(prefix).toString("hex"));
      }
    }
    expect(seen.size).toBe(2000);
    expect(Buffer.from(a.next()).toString("hex")).toBe("01020000000003e8");
  });

  it("refuses a server id outside u16", () => {
    expect(() => new ExtranonceAllocator(0x10000)).toThrow(InvariantError);
  });
});
