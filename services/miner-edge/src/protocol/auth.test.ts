import { describe, expect, it } from "@jest/globals";
import { Authorizer } from "./auth.js";

const base = { allowlist: ["alice.rig1"], prefixMap: { "acme.": "acct-acme", "acme.eu.": "acct-eu" }, maxWorkerIdBytes: 16 };

describe("Authorizer", () => {
  it("allowlist admits listed identities only", () => {
    const auth = new Authorizer({ ...base, mode: "allowlist" });
    expect(auth.authorize("alice.rig1")).toEqual({ ok: true, workerId: "alice.rig1", poolAccountId: "" });
    expect(auth.authorize("mallory")).toMatchObject({ ok: false, reason: "miner_unauthorized" });
  });

  it("prefix_map picks the longest matching prefix and names its account", () => {
    const auth = new Authorizer({ ...base, mode: "prefix_map" });
    expect(auth.authorize("acme.eu.r1")).toMatchObject({ ok: true, poolAccountId: "acct-eu" });
    expect(auth.authorize("acme.us.r1")).toMatchObject({ ok: true, poolAccountId: "acct-acme" });
    expect(auth.authorize("other.r1")).toMatchObject({ ok: false, reason: "identity_prefix_unmatched" });
  });

  it("open admits anyone, but still bounds length and refuses control characters", () => {
    const auth = new Authorizer({ ...base, mode: "open" });
    expect(auth.authorize("anyone")).toMatchObject({ ok: true });
    expect(auth.authorize("x".repeat(17))).toMatchObject({ ok: false, reason: "identity_too_long" });
    expect(auth.authorize("é".repeat(9))).toMatchObject({ ok: false, reason: "identity_too_long" });
    expect(auth.authorize("bad\nline")).toMatchObject({ ok: false, reason: "miner_unauthorized" });
    expect(auth.authorize("")).toMatchObject({ ok: false, reason: "miner_unauthorized" });
  });
});
