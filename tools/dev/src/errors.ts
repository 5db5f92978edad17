/** A development stack that cannot run as planned: configs that disagree with it, a ports offset or ports that do not fit. */
export class PlanError extends Error {
  override readonly name = "PlanError";
}

/** A component of the stack that could not be spawned, exited before it was ready, or was not ready in time; the message holds its last lines. */
export class ComponentStartError extends Error {
  override readonly name = "ComponentStartError";
  constructor(
    readonly component: string,
    message: string,
  ) {
    super(message);
  }
}

/** An error answer from bcoin's JSON-RPC or wallet API. */
export class BcoinRpcError extends Error {
  override readonly name = "BcoinRpcError";
}
