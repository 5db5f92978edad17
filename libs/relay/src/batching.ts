/**
 * Bounds on the batches relay gateways and nodes exchange. A gateway sends each member the
 * requests of one event-loop turn as one RelayRequestBatch, and a node signs the responses of one
 * turn together; under load a turn holds many, so per-message and per-signature costs are shared.
 */

/** Most requests in one RelayRequestBatch. */
export const MAX_REQUEST_BATCH = 128;
/** Most params bytes in one RelayRequestBatch, well under NATS' default 1 MiB payload limit (a larger request goes alone). */
export const MAX_REQUEST_BATCH_PARAMS_BYTES = 256 * 1024;
/** Most responses one signature covers, in one SignedRelayResponse. */
export const MAX_RESPONSE_BATCH = 32;
