/**
 * A local chain for development and tests that could not be brought up: contract artifacts not
 * built, anvil exited or did not answer, a deployment that failed or landed at another address
 * than the configuration names, or an RPC URL that does not answer and is not local.
 */
export class DevChainError extends Error {
  override readonly name = "DevChainError";
}

/** An error answer to a raw JSON-RPC call to anvil (`method` names the call). */
export class AnvilRpcError extends Error {
  override readonly name = "AnvilRpcError";
  constructor(
    readonly method: string,
    message: string,
  ) {
    super(`${method}: ${message}`);
  }
}
