import { type Bus, decodeReceived } from "@gatehouse/bus";
import { type SignedRelayResponse, SignedRelayResponseSchema } from "@gatehouse/proto/relay/v1";
import type { Logger } from "@gatehouse/service";
import type { Subscription } from "@nats-io/transport-node";

/**
 * Hands every SignedRelayResponse on `subject` to `handle` as the client parses it: no queue and no
 * turn of the event loop per message, so a burst of responses is counted in one go and the answers
 * it completes leave together. A message that is not a response, or that `handle` refuses, is
 * logged and skipped.
 */
export function subscribeNodeResponses(
  bus: Bus,
  subject: string,
  handle: (response: SignedRelayResponse) => void,
  logger: Logger,
): Subscription {
  return bus.nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) {
        logger.warn({ err: err.message, subject }, "node response subscription failed");
        return;
      }
      try {
        handle(decodeReceived(SignedRelayResponseSchema, msg));
      } catch (failure) {
        logger.warn({ err: (failure as Error).message, subject }, "node response refused");
      }
    },
  });
}
