import { JsonRpcCode } from "@gatehouse/relay";

/** A failure a node reports as a JSON-RPC error; the message is deterministic so honest nodes agree. */
export class NodeMethodError extends Error {
  override readonly name = "NodeMethodError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const invalidParams = (message: string) => new NodeMethodError(JsonRpcCode.invalidParams, message);
export const internalError = (message: string) => new NodeMethodError(JsonRpcCode.internal, message);
