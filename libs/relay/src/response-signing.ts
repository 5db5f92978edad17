import { canonicalJson } from "./canonical.js";
import type { JsonRpcResponse } from "./jsonrpc.js";

/** Domain tag of the response signing payload, so a node signature is never valid for anything else. */
export const RESPONSE_SIGNING_DOMAIN = "gatehouse.relay.response.v1";

/** What a signature binds a response to. */
export interface ResponseBinding {
  gatewayId: string;
  requestKey: string;
  nodeAddress: string;
}

export interface ResponseSigningInput extends ResponseBinding {
  response: JsonRpcResponse;
}

/**
 * The bytes a node signs (EIP-191) for one response: the canonical JSON of the response bound to
 * the gateway, the request key and the signer, so a signed answer cannot be replayed into another
 * request, to another gateway, or claimed by another node.
 */
export function responseSigningPayload(input: ResponseSigningInput): Uint8Array {
  return signingPayloadOfCanonical(input, canonicalJson(input.response));
}

/**
 * The same bytes from the response's canonical JSON text, which both sides already hold (the node
 * publishes it, the gateway digests it), so it is not canonicalised twice. The payload is the RFC
 * 8785 form of `{domain, gateway_id, node_address, request_key, response}`: those keys in that
 * (sorted) order, strings as JSON.stringify writes them, as RFC 8785 prescribes.
 */
export function signingPayloadOfCanonical(binding: ResponseBinding, canonicalResponse: string): Uint8Array {
  const text =
    `{"domain":${JSON.stringify(RESPONSE_SIGNING_DOMAIN)},"gateway_id":${JSON.stringify(binding.gatewayId)},` +
    `"node_address":${JSON.stringify(binding.nodeAddress)},"request_key":${JSON.stringify(binding.requestKey)},` +
    `"response":${canonicalResponse}}`;
  return Buffer.from(text, "utf8");
}
