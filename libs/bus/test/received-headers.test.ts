import { natsUrl, testNamespace } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { jetstream } from "@nats-io/jetstream";
import { headers, type Msg, type MsgHdrs } from "@nats-io/transport-node";
import { Bus, ensureStream, Header, receivedHeader } from "../src/index.js";

const ns = testNamespace("rxhdr");
let bus: Bus;
const stream = `${ns.streamPrefix}RXHDR`;

beforeAll(async () => {
  bus = await Bus.connect({ servers: natsUrl(), name: "received-headers-test", subjectRoot: ns.subjectRoot });
});

afterAll(async () => {
  await (await bus.jsm()).streams.delete(stream).catch(() => undefined);
  await bus.close();
});

/** The nats.js 3.4 internals `receivedHeader` reads, as a received message carries them. */
interface Internals {
  _rdata: unknown;
  _msg: { hdr: unknown };
  _headers: unknown;
}

function headerSet(i: number): MsgHdrs {
  const h = headers();
  h.append(Header.contentType, "application/protobuf");
  h.append(Header.type, `gatehouse.test.v1.Kind${i}`);
  if (i % 2 === 0) h.append(Header.traceparent, `00-${"a".repeat(31)}${i % 10}-${"b".repeat(16)}-01`);
  if (i % 3 === 0) h.append(Header.msgId, ` id-${i} `);
  h.append("X-Unicode", "é€😀");
  return h;
}

const NAMES = [Header.type, Header.traceparent, Header.msgId, Header.contentType, "X-Unicode", "Absent"];

describe("receivedHeader against a NATS server", () => {
  it("reads each header of a core message from its bytes, as msg.headers would give it, before nats.js decodes them", async () => {
    const subject = `${ns.subjectRoot}.core`;
    const received: Msg[] = [];
    let done: () => void = () => {};
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    const sub = bus.nc.subscribe(subject, {
      callback: (_err, msg) => {
        received.push(msg);
        if (received.length === 13) done();
      },
    });
    await bus.nc.flush();
    for (let i = 0; i < 12; i++) bus.nc.publish(subject, new Uint8Array([i]), { headers: headerSet(i) });
    bus.nc.publish(subject, new Uint8Array([99]));
    await all;
    sub.unsubscribe();

    for (const msg of received.slice(0, 12)) {
      const internals = msg as unknown as Internals;
      expect(typeof internals._msg.hdr).toBe("number");
      expect(internals._rdata).toBeInstanceOf(Uint8Array);
      const ours = NAMES.map((name) => receivedHeader(msg, name));
      // Read from the bytes: nats.js has not decoded the headers yet.
      expect(internals._headers).toBeUndefined();
      expect(ours).toEqual(NAMES.map((name) => msg.headers?.get(name) || undefined));
    }
    const bare = received[12] as Msg;
    expect((bare as unknown as Internals)._msg.hdr).toBe(-1);
    expect(receivedHeader(bare, Header.type)).toBeUndefined();
  });

  it("reads a JetStream delivery's headers the same way", async () => {
    const subject = `${ns.subjectRoot}.js.one`;
    await ensureStream(await bus.jsm(), { name: stream, subjects: [`${ns.subjectRoot}.js.>`] });
    const js = jetstream(bus.nc);
    for (let i = 0; i < 6; i++) await js.publish(subject, new Uint8Array([i]), { headers: headerSet(i) });
    const consumer = await js.consumers.get(stream);
    const batch = await consumer.fetch({ max_messages: 6, expires: 5_000 });
    let seen = 0;
    for await (const m of batch) {
      const inner = (m as unknown as { msg: Internals }).msg;
      const ours = NAMES.map((name) => receivedHeader(m, name));
      expect(inner._headers).toBeUndefined();
      expect(ours).toEqual(NAMES.map((name) => m.headers?.get(name) || undefined));
      expect(ours[0]).toBe(`gatehouse.test.v1.Kind${seen}`);
      seen += 1;
      if (seen === 6) break;
    }
    expect(seen).toBe(6);
  });
});
