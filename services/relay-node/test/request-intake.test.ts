// The node's request intake against a real NATS server: batches are taken in order, refusals are
// named in the acknowledgement, unreadable or oversized batches are answered with Gh-Error.
import { create } from "@bufbuild/protobuf";
import { Bus, decode, encode, Header } from "@gatehouse/bus";
import { type RelayRequest, RelayRequestAckSchema, RelayRequestBatchSchema, RelayRequestSchema } from "@gatehouse/proto/relay/v1";
import { MAX_REQUEST_BATCH } from "@gatehouse/relay";
import { createLogger, EndOfTurn } from "@gatehouse/service";
import { natsUrl, testNamespace } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { MsgHdrs } from "@nats-io/transport-node";
import { serveRelayRequests } from "../src/request-intake.js";

const ns = testNamespace("intake");
const ADDRESS = `0x${"ab".repeat(20)}`;
const taken: string[] = [];
let bus: Bus;
let subject: string;

beforeAll(async () => {
  bus = await Bus.connect({ servers: natsUrl(), name: "intake-test", subjectRoot: ns.subjectRoot });
  subject = bus.subjects.relayNodeRequest("n0");
  serveRelayRequests({
    bus,
    subject,
    nodeAddress: ADDRESS,
    accept: (request: RelayRequest) => {
      if (request.jsonrpcId.startsWith("no")) throw new Error(`cannot take ${request.jsonrpcId}\nnow`);
      taken.push(request.jsonrpcId);
    },
    turnEnd: new EndOfTurn(() => {}),
    logger: createLogger({ service: "relay-node", instanceId: "t", level: "fatal" }),
  });
  await bus.nc.flush();
});

afterAll(async () => {
  await bus.close();
});

function send(data: Uint8Array, headers: MsgHdrs) {
  return bus.nc.request(subject, data, { headers, timeout: 2_000 });
}

const batch = (ids: string[]) =>
  encode(RelayRequestBatchSchema, { requests: ids.map((jsonrpcId) => create(RelayRequestSchema, { jsonrpcId })) });

describe("serveRelayRequests", () => {
  it("takes a batch in order and names the refused requests", async () => {
    const { data, headers } = batch(["a", "no-1", "b", "no-2"]);
    const reply = await send(data, headers);
    expect(taken).toEqual(["a", "b"]);
    const ack = decode(RelayRequestAckSchema, reply.data, reply.headers);
    expect(ack.nodeAddress).toBe(ADDRESS);
    expect(ack.refused.map((r) => [r.index, r.reason])).toEqual([
      [1, "cannot take no-1\nnow"],
      [3, "cannot take no-2\nnow"],
    ]);
    const single = batch(["c"]);
    const clean = await send(single.data, single.headers);
    expect(decode(RelayRequestAckSchema, clean.data, clean.headers).refused).toEqual([]);
  });

  it("answers an unreadable or oversized batch with Gh-Error and takes nothing", async () => {
    taken.length = 0;
    const wrongType = encode(RelayRequestAckSchema, { nodeAddress: ADDRESS });
    const unreadable = await send(wrongType.data, wrongType.headers);
    expect(unreadable.headers?.get(Header.error)).toContain("expected gatehouse.relay.v1.RelayRequestBatch");
    const oversized = batch(Array.from({ length: MAX_REQUEST_BATCH + 1 }, (_, i) => `x${i}`));
    const refused = await send(oversized.data, oversized.headers);
    expect(refused.headers?.get(Header.error)).toBe(`batch of ${MAX_REQUEST_BATCH + 1} requests exceeds ${MAX_REQUEST_BATCH}`);
    expect(taken).toEqual([]);
  });
});
