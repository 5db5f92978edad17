import type { MessageInitShape } from "@bufbuild/protobuf";
import type { RelayRequestSchema, SignedRelayResponse } from "@gatehouse/proto/relay/v1";
import type { JsonRpcRequest } from "@gatehouse/relay";
import type { DonMember } from "../config/config.js";
import type { Callback } from "./common/callback.js";

export type RelayRequestInit = MessageInitShape<typeof RelayRequestSchema>;

/** How a handler reaches the DON's members. */
export interface Don {
  /**
   * Delivers the request to every member at once, without waiting on any: one promise per member,
   * in order, resolving once that member acknowledged and rejecting on failure or after `timeoutMs`.
   */
  fanOut(members: readonly DonMember[], request: RelayRequestInit, timeoutMs: number): Promise<void>[];
}

/** A request the handler refuses before creating any state; surfaces as HandlerError (-32600, HTTP 400). */
export class HandlerRejectedError extends Error {
  override readonly name = "HandlerRejectedError";
}

/** A node response batch signed by an address that is not a member of the DON. */
export class UnknownNodeError extends Error {
  override readonly name = "UnknownNodeError";
  constructor(readonly nodeAddress: string) {
    super(`received message from unexpected node ${nodeAddress}`);
  }
}

/** A gateway handler for one JSON-RPC service (Chainlink `core/services/gateway/handlers/handler.go`). */
export interface Handler {
  methods(): readonly string[];
  /** Registers the request and answers through `callback`; throws HandlerRejectedError for requests it refuses outright. */
  handleUserMessage(request: JsonRpcRequest, sender: string, callback: Callback): void;
  /** Counts one node's signed batch of responses; throws UnknownNodeError only for a sender that is not a member. */
  handleNodeMessage(response: SignedRelayResponse): void;
  start(): void;
  /** Answers every request still active with `reason` and stops the sweeper. */
  close(reason: string): void;
}
