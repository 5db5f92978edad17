import type { ErrorCode } from "@gatehouse/relay";

/** What a handler hands back to the HTTP layer: the raw JSON-RPC response and its error code. */
export interface UserCallbackPayload {
  rawResponse: string;
  errorCode: ErrorCode;
}

export class CallbackAlreadyUsedError extends Error {
  override readonly name = "CallbackAlreadyUsedError";
  constructor() {
    super("response already sent: each callback can only be used once");
  }
}

/** A single-use answer slot: the handler sends once, the HTTP layer waits. */
export class Callback {
  #sent = false;
  #resolve: (payload: UserCallbackPayload) => void = () => {};
  readonly #promise = new Promise<UserCallbackPayload>((resolve) => {
    this.#resolve = resolve;
  });

  get sent(): boolean {
    return this.#sent;
  }

  send(payload: UserCallbackPayload): void {
    if (this.#sent) throw new CallbackAlreadyUsedError();
    this.#sent = true;
    this.#resolve(payload);
  }

  /** The payload, or undefined if `timeoutMs` passes first (a plain timer: this runs for every request). */
  wait(timeoutMs?: number): Promise<UserCallbackPayload | undefined> {
    if (timeoutMs === undefined) return this.#promise;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      void this.#promise.then((payload) => {
        clearTimeout(timer);
        resolve(payload);
      });
    });
  }
}
