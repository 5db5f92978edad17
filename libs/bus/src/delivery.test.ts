import { describe, expect, it } from "@jest/globals";
import type { JsMsg } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { DeliverySettledError, JsDelivery } from "./delivery.js";
import { Header } from "./headers.js";

/** The parts of a JetStream message a delivery reads, recording how it was settled. */
function message(deliveryCount: number) {
  const settled: string[] = [];
  const h = headers();
  h.set(Header.msgId, "m-1");
  const msg = {
    subject: "gh.test",
    headers: h,
    seq: 7,
    info: { deliveryCount },
    ackAck: async () => {
      settled.push("ack");
      return true;
    },
    nak: (delay?: number) => settled.push(`nak ${delay}`),
    term: () => settled.push("term"),
    working: () => {},
  };
  return { msg: msg as unknown as JsMsg, settled };
}

describe("JsDelivery", () => {
  it("reads its context and counts redeliveries from 0", () => {
    const delivery = new JsDelivery(message(3).msg);
    expect([delivery.subject, delivery.msgId, delivery.seq, delivery.redeliveryCount]).toEqual(["gh.test", "m-1", 7, 2]);
  });

  it("settles once; a second ack, nak or term throws DeliverySettledError and reaches the server no more", async () => {
    const { msg, settled } = message(1);
    const delivery = new JsDelivery(msg);
    delivery.nak(500);
    expect(delivery.settled).toBe(true);
    await expect(delivery.ack()).rejects.toThrow(DeliverySettledError);
    expect(() => delivery.nak()).toThrow(DeliverySettledError);
    expect(() => delivery.term()).toThrow("delivery 7 already settled");
    expect(settled).toEqual(["nak 500"]);
  });
});
