import { afterEach, describe, expect, it, jest } from "@jest/globals";
import { JetStreamApiError, JetStreamError } from "@nats-io/jetstream";
import { type Msg, type NatsConnection, headers as natsHeaders, TimeoutError } from "@nats-io/transport-node";
import { BusNoStreamError, PubAcks, parsePubAck } from "./pub-acks.js";

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe("parsePubAck", () => {
  it("reads a PubAck", () => {
    expect(parsePubAck("s", json({ stream: "SHARES", seq: 7 }), undefined)).toEqual({ stream: "SHARES", seq: 7, duplicate: false });
    expect(parsePubAck("s", json({ stream: "SHARES", seq: 7, duplicate: true, domain: "hub" }), undefined)).toEqual({
      stream: "SHARES",
      seq: 7,
      duplicate: true,
      domain: "hub",
    });
  });

  it("turns the server's refusal into a JetStreamApiError with its code", () => {
    const refusal = { error: { code: 503, err_code: 10077, description: "maximum messages exceeded" } };
    let thrown: unknown;
    try {
      parsePubAck("s", json(refusal), undefined);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(JetStreamApiError);
    expect((thrown as JetStreamApiError).code).toBe(10077);
    expect((thrown as Error).message).toBe("maximum messages exceeded");
  });

  it("refuses a reply that is no PubAck, and says when no stream took the subject", () => {
    expect(() => parsePubAck("s", json({ seq: 1 }), undefined)).toThrow(JetStreamError);
    expect(() => parsePubAck("gh.x", new Uint8Array(0), 503)).toThrow(BusNoStreamError);
  });
});

/** The slice of a NatsConnection PubAcks uses, answering by hand. */
function fakeConnection() {
  let deliver: (err: Error | null, msg: Msg) => void = () => {};
  let close: () => void = () => {};
  const published: { subject: string; reply: string }[] = [];
  const nc = {
    subscribe: (_subject: string, opts: { callback: (err: Error | null, msg: Msg) => void }) => {
      deliver = opts.callback;
      return { closed: new Promise<void>((resolve) => (close = resolve)) };
    },
    publish: (subject: string, _data: Uint8Array, opts: { reply: string }) => void published.push({ subject, reply: opts.reply }),
  } as unknown as NatsConnection;
  const answer = (reply: string, data: Uint8Array, status?: number) => {
    // A status reply (no responders) carries only its code in the headers.
    const headers = status === undefined ? undefined : { code: status };
    deliver(null, { subject: reply, data, headers } as unknown as Msg);
  };
  return { nc, published, answer, close: () => close() };
}

describe("PubAcks", () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it("resolves each publish with its own PubAck, in any order", async () => {
    const conn = fakeConnection();
    const acks = new PubAcks(conn.nc);
    const first = acks.publish("gh.a", new Uint8Array(1), natsHeaders(), 1_000);
    const second = acks.publish("gh.b", new Uint8Array(1), natsHeaders(), 1_000);
    expect(conn.published.map((p) => p.subject)).toEqual(["gh.a", "gh.b"]);
    const [a, b] = conn.published;
    expect(a?.reply).not.toBe(b?.reply);
    conn.answer(b?.reply as string, json({ stream: "S", seq: 2 }));
    conn.answer(a?.reply as string, json({ stream: "S", seq: 1 }));
    await expect(first).resolves.toMatchObject({ seq: 1 });
    await expect(second).resolves.toMatchObject({ seq: 2 });
  });

  it("rejects a refused publish and one no stream took", async () => {
    const conn = fakeConnection();
    const acks = new PubAcks(conn.nc);
    const refused = acks.publish("gh.a", new Uint8Array(1), natsHeaders(), 1_000);
    const unstored = acks.publish("gh.b", new Uint8Array(1), natsHeaders(), 1_000);
    const outcomes = Promise.allSettled([refused, unstored]);
    conn.answer(
      conn.published[0]?.reply as string,
      json({ error: { code: 400, err_code: 10060, description: "expected stream does not match" } }),
    );
    conn.answer(conn.published[1]?.reply as string, new Uint8Array(0), 503);
    const [a, b] = await outcomes;
    expect(a?.status === "rejected" && a.reason).toBeInstanceOf(JetStreamApiError);
    expect(b?.status === "rejected" && b.reason).toBeInstanceOf(BusNoStreamError);
  });

  it("fails a publish with no PubAck by its deadline, and ignores the PubAck arriving later", async () => {
    jest.useFakeTimers();
    const conn = fakeConnection();
    let now = 0;
    const acks = new PubAcks(conn.nc, () => now);
    const late = acks.publish("gh.a", new Uint8Array(1), natsHeaders(), 250);
    const onTime = acks.publish("gh.b", new Uint8Array(1), natsHeaders(), 10_000);
    now = 200;
    jest.advanceTimersByTime(200);
    now = 300;
    jest.advanceTimersByTime(100);
    await expect(late).rejects.toBeInstanceOf(TimeoutError);
    conn.answer(conn.published[0]?.reply as string, json({ stream: "S", seq: 1 }));
    conn.answer(conn.published[1]?.reply as string, json({ stream: "S", seq: 2 }));
    await expect(onTime).resolves.toMatchObject({ seq: 2 });
  });

  it("fails what is still waiting when the connection closes", async () => {
    const conn = fakeConnection();
    const acks = new PubAcks(conn.nc);
    const waiting = acks.publish("gh.a", new Uint8Array(1), natsHeaders(), 1_000);
    conn.close();
    await expect(waiting).rejects.toThrow("connection closed");
  });
});
