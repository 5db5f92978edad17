import { describe, expect, it } from "@jest/globals";
import { UsageError } from "../usage.js";
import { requireAddress } from "./relay.js";

describe("relay --owner", () => {
  it("takes an EVM address in any case and lower-cases it", () => {
    expect(requireAddress(`0x${"Ab".repeat(20)}`)).toBe(`0x${"ab".repeat(20)}`);
  });
  it("refuses anything else with UsageError", () => {
    expect(() => requireAddress("0x1234")).toThrow(UsageError);
    expect(() => requireAddress("0x1234")).toThrow("--owner must be a 0x-prefixed 20-byte hex address, got 0x1234");
  });
});
