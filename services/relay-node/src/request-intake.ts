import { type Bus, BusHeaders, decodeReceived, encode, Header } from "@gatehouse/bus";
import { type RelayRequest, RelayRequestAckSchema, RelayRequestBatchSchema } from "@gatehouse/proto/relay/v1";
import { MAX_REQUEST_BATCH } from "@gatehouse/relay";
import type { EndOfTurn, Logger } from "@gatehouse/service";
import type { Subscription } from "@nats-io/transport-node";

/** A request, or a whole batch, the node does not take; the message goes back to the gateway as the reason. */
export class RequestRefusedError extends Error {
  override readonly name = "RequestRefusedError";
}

export interface RequestIntakeOptions {
  bus: Bus;
  subject: string;
  /** This node's address, named in every acknowledgement. */
  nodeAddress: string;
  /** Takes one request (execution goes on afterwards); throws to refuse it. */
  accept: (request: RelayRequest) => void;
  /** Told the size of every batch read. */
  onBatch?: (requests: number) => void;
  /** Where acknowledgements wait for the end of the turn, to leave with the turn's responses. */
  turnEnd: EndOfTurn;
  logger: Logger;
}

/**
 * Serves `<root>.relay.node.<name>.request` (request/reply): decodes each RelayRequestBatch as the
 * client parses it, hands its requests to `accept` in order, and acknowledges the batch at the end
 * of the turn, naming the requests refused; a batch that cannot be read is answered with a Gh-Error
 * header. Handling messages synchronously rather than one per event-loop turn, and acknowledging at
 * the turn's end, lets the acknowledgements of a burst and the responses ready in the same turn
 * leave in one socket write; the usual acknowledgement (nothing refused) is encoded once.
 */
export function serveRelayRequests(options: RequestIntakeOptions): Subscription {
  const allTaken = encode(RelayRequestAckSchema, { nodeAddress: options.nodeAddress });
  return options.bus.nc.subscribe(options.subject, {
    callback: (err, msg) => {
      if (err) {
        options.logger.warn({ err: err.message, subject: options.subject }, "relay request subscription failed");
        return;
      }
      let reply = allTaken;
      try {
        const { requests } = decodeReceived(RelayRequestBatchSchema, msg);
        if (requests.length > MAX_REQUEST_BATCH)
          throw new RequestRefusedError(`batch of ${requests.length} requests exceeds ${MAX_REQUEST_BATCH}`);
        options.onBatch?.(requests.length);
        const refused: Array<{ index: number; reason: string }> = [];
        requests.forEach((request, index) => {
          try {
            options.accept(request);
          } catch (refusal) {
            refused.push({ index, reason: (refusal as Error).message.slice(0, 512) });
          }
        });
        if (refused.length > 0) reply = encode(RelayRequestAckSchema, { nodeAddress: options.nodeAddress, refused });
      } catch (unreadable) {
        const headers = new BusHeaders();
        headers.set(Header.error, (unreadable as Error).message.replace(/[\r\n]+/g, " ").slice(0, 512));
        reply = { data: new Uint8Array(0), headers };
      }
      const { data, headers } = reply;
      options.turnEnd.defer(() => {
        try {
          msg.respond(data, { headers });
        } catch (failure) {
          // The connection is closing: the gateway times the send out.
          options.logger.warn({ err: (failure as Error).message }, "relay request batch not acknowledged");
        }
      });
    },
  });
}
