import { type Bus, decode, encode, Header } from "@gatehouse/bus";
import { type RelayRequest, RelayRequestAckSchema, RelayRequestSchema } from "@gatehouse/proto/relay/v1";
import type { Logger } from "@gatehouse/service";
import { headers as natsHeaders, type Subscription } from "@nats-io/transport-node";

export interface RequestIntakeOptions {
  bus: Bus;
  subject: string;
  /** This node's address, the whole of every acknowledgement. */
  nodeAddress: string;
  /** Takes the request (execution goes on afterwards); throws to refuse it. */
  accept: (request: RelayRequest) => void;
  logger: Logger;
}

/**
 * Serves `<root>.relay.node.<name>.request` (request/reply): decodes each RelayRequest as the
 * client parses it, hands it to `accept`, and acknowledges it, or answers with a Gh-Error header
 * when it is refused or unreadable. Handling messages synchronously rather than one per event-loop
 * turn lets the acknowledgements of a burst leave in one socket write; the acknowledgement never
 * changes, so it is encoded once.
 */
export function serveRelayRequests(options: RequestIntakeOptions): Subscription {
  const ack = encode(RelayRequestAckSchema, { nodeAddress: options.nodeAddress });
  return options.bus.nc.subscribe(options.subject, {
    callback: (err, msg) => {
      if (err) {
        options.logger.warn({ err: err.message, subject: options.subject }, "relay request subscription failed");
        return;
      }
      let reply = ack;
      try {
        options.accept(decode(RelayRequestSchema, msg.data, msg.headers));
      } catch (refusal) {
        const headers = natsHeaders();
        headers.set(Header.error, (refusal as Error).message.replace(/[\r\n]+/g, " ").slice(0, 512));
        reply = { data: new Uint8Array(0), headers };
      }
      try {
        msg.respond(reply.data, { headers: reply.headers });
      } catch (failure) {
        // The connection is closing: the gateway times the send out.
        options.logger.warn({ err: (failure as Error).message }, "relay request not acknowledged");
      }
    },
  });
}
