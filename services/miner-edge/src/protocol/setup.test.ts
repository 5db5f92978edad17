import { Protocol, SetupConnectionFlags } from "@gatehouse/sv2";
import { describe, expect, it } from "@jest/globals";
import { decideSetup } from "./setup.js";

const mining = { protocol: Protocol.mining, minVersion: 2, maxVersion: 2, flags: 0 };

describe("decideSetup", () => {
  it("serves the mining protocol at version 2, whatever range holds it", () => {
    expect(decideSetup(mining)).toEqual({ ok: true });
    expect(decideSetup({ ...mining, minVersion: 1, maxVersion: 3 })).toEqual({ ok: true });
  });

  it("refuses another protocol, a range without 2, and work selection", () => {
    expect(decideSetup({ ...mining, protocol: Protocol.templateDistribution })).toEqual({
      ok: false,
      errorCode: "unsupported-protocol",
      flags: 0,
    });
    expect(decideSetup({ ...mining, minVersion: 3, maxVersion: 3 })).toEqual({
      ok: false,
      errorCode: "protocol-version-mismatch",
      flags: 0,
    });
    expect(decideSetup({ ...mining, flags: SetupConnectionFlags.requiresWorkSelection })).toEqual({
      ok: false,
      errorCode: "unsupported-feature-flags",
      flags: SetupConnectionFlags.requiresWorkSelection,
    });
  });
});
