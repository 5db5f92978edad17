import { describe, expect, it } from "@jest/globals";
import { MemberStatus } from "./member-status.js";

const member = (i: number) => ({ name: `n${i}`, address: `0x${String(i + 1).padStart(40, "0")}` });
const members = [member(0), member(1), member(2), member(3)];

describe("MemberStatus.quorumReadiness", () => {
  it("is ready once a quorum of members acknowledged within the freshness window, and not after it lapses", () => {
    let now = 1_000;
    const status = new MemberStatus(members, 300, { now: () => now });
    expect(status.quorumReadiness(2)).toEqual({ ok: false, reason: "0 of 4 members reachable, quorum needs 2" });
    status.acked(member(0));
    status.acked(member(1));
    expect(status.quorumReadiness(2)).toEqual({ ok: true });
    now += 301;
    expect(status.quorumReadiness(2)).toEqual({ ok: false, reason: "0 of 4 members reachable, quorum needs 2" });
  });
});
