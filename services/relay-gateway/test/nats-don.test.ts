// NatsDon against a real NATS server, with hand-rolled members: batching per turn, refusals,
// no responders, silence, wrong addresses and batch bounds.
import { Bus, decode, encode } from "@gatehouse/bus";
import { type RelayRequest, RelayRequestAckSchema, RelayRequestBatchSchema } from "@gatehouse/proto/relay/v1";
import { addressFromPrivateKey, devKey, MAX_REQUEST_BATCH } from "@gatehouse/relay";
import { systemClock } from "@gatehouse/service";
import { natsUrl, testNamespace } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { DonMember } from "../src/config/config.js";
import type { RelayRequestInit } from "../src/handlers/handler.js";
import { MemberStatus } from "../src/network/member-status.js";
import { NatsDon } from "../src/network/nats-don.js";

const ns = testNamespace("natsdon");
const member = (name: string): DonMember => ({ name, address: addressFromPrivateKey(devKey(`natsdon-${name}`)) });
const [m0, m1, absent, silent, impostor] = ["m0", "m1", "absent", "silent", "impostor"].map(member) as [
  DonMember,
  DonMember,
  DonMember,
  DonMember,
  DonMember,
];
const members = [m0, m1, absent, silent, impostor];
const received = new Map<string, RelayRequest[][]>();
let bus: Bus;
let don: NatsDon;
let status: MemberStatus;

/** A member that acknowledges every batch, refusing requests whose id starts with "refuse". */
function serve(m: DonMember, answerAs = m.address): void {
  received.set(m.name, []);
  bus.nc.subscribe(bus.subjects.relayNodeRequest(m.name), {
    callback: (_err, msg) => {
      const { requests } = decode(RelayRequestBatchSchema, msg.data, msg.headers);
      received.get(m.name)?.push(requests);
      const refused = requests.flatMap((r, index) => (r.jsonrpcId.startsWith("refuse") ? [{ index, reason: "node overloaded" }] : []));
      const ack = encode(RelayRequestAckSchema, { nodeAddress: answerAs, refused });
      msg.respond(ack.data, { headers: ack.headers });
    },
  });
}

const request = (id: string, paramsBytes = 16): RelayRequestInit => ({
  requestKey: `k-${id}`,
  jsonrpcId: id,
  method: "confidential.capability.execute",
  params: new Uint8Array(paramsBytes),
  gatewayId: "gw",
});

beforeAll(async () => {
  bus = await Bus.connect({ servers: natsUrl(), name: "nats-don-test", subjectRoot: ns.subjectRoot });
  serve(m0);
  serve(m1);
  serve(impostor, m0.address);
  bus.nc.subscribe(bus.subjects.relayNodeRequest(silent.name), { callback: () => {} });
  await bus.nc.flush();
  status = new MemberStatus(members, 60_000, systemClock);
  don = new NatsDon(bus, status);
});

afterAll(async () => {
  don.close();
  await bus.close();
});

describe("NatsDon", () => {
  it("sends each member the requests of one turn as one batch, in order", async () => {
    received.set(m0.name, []);
    received.set(m1.name, []);
    const sends = ["a", "b", "c"].flatMap((id) => don.fanOut([m0, m1], request(id), 2_000));
    await Promise.all(sends);
    for (const m of [m0, m1]) expect(received.get(m.name)?.map((batch) => batch.map((r) => r.jsonrpcId))).toEqual([["a", "b", "c"]]);
    expect(status.reachable(m0) && status.reachable(m1)).toBe(true);
  });

  it("fails a refused request alone", async () => {
    const [ok, refused] = [don.fanOut([m0], request("fine"), 2_000)[0], don.fanOut([m0], request("refuse-me"), 2_000)[0]];
    await expect(ok).resolves.toBeUndefined();
    await expect(refused).rejects.toThrow("m0 refused the request: node overloaded");
  });

  it("fails at once where no node listens, after the timeout where one is silent, and on a wrong address", async () => {
    const started = Date.now();
    const [toAbsent] = don.fanOut([absent], request("x"), 5_000);
    await expect(toAbsent).rejects.toThrow("no node listens for absent");
    expect(Date.now() - started).toBeLessThan(2_000);
    const [toSilent] = don.fanOut([silent], request("y"), 300);
    await expect(toSilent).rejects.toThrow("request to silent timed out");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const [toImpostor] = don.fanOut([impostor], request("z"), 2_000);
    await expect(toImpostor).rejects.toThrow(`node impostor acknowledged as ${m0.address}`);
    expect([status.sendFailures(absent), status.sendFailures(silent), status.sendFailures(impostor)]).toEqual([1, 1, 1]);
  });

  it("bounds batches by count and by params bytes", async () => {
    received.set(m0.name, []);
    const many = Array.from({ length: MAX_REQUEST_BATCH * 2 + 5 }, (_, i) => don.fanOut([m0], request(`n${i}`), 2_000)[0]);
    await Promise.all(many);
    expect(received.get(m0.name)?.map((batch) => batch.length)).toEqual([MAX_REQUEST_BATCH, MAX_REQUEST_BATCH, 5]);
    received.set(m0.name, []);
    const big = ["p", "q", "r"].map((id) => don.fanOut([m0], request(id, 100_000), 2_000)[0]);
    await Promise.all(big);
    expect(received.get(m0.name)?.map((batch) => batch.map((r) => r.jsonrpcId))).toEqual([["p", "q"], ["r"]]);
  });
});
