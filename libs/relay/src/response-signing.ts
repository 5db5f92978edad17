import { canonicalJson } from "./canonical.js";
import type { JsonRpcResponse } from "./jsonrpc.js";

/** Domain tag of the response signing payload, so a node signature is never valid for anything else. */
export const RESPONSE_SIGNING_DOMAIN = "gatehouse.relay.response.v1";

export interface ResponseSigningInput {
  gatewayId: string;
  requestKey: string;
  nodeAddress: string;
  response: JsonRpcResponse;
}

/**
 * The bytes a node signs (EIP-191) for one response: the canonical JSON of the response bound to
 * the gateway, the request key and the signer, so a signed answer cannot be replayed into another
 * request, to another gateway, or claimed by another node.
 */
export function responseSigningPayload(input: ResponseSigningInput): Uint8Array {
  return Buffer.from(
    canonicalJson({
      domain: RESPONSE_SIGNING_DOMAIN,
      gateway_id: input.gatewayId,
      request_key: input.requestKey,
      node_address: input.nodeAddress,
      response: input.response,
    }),
    "utf8",
  );
}
