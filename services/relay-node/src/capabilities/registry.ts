import { createHash } from "node:crypto";
import { InvariantError } from "@gatehouse/service";

/** A capability that ran and failed (an upstream error status, an answer over the size limit): an execution error. */
export class CapabilityFailedError extends Error {
  override readonly name = "CapabilityFailedError";
}

/** A capability: takes the decoded payload, returns the output bytes; throwing is an execution error. */
export type Capability = (payload: Uint8Array, signal: AbortSignal) => Promise<Uint8Array>;

/** Capabilities by id (`echo`, `hash`, `http`, ...). */
export class CapabilityRegistry {
  readonly #capabilities = new Map<string, Capability>();

  register(id: string, capability: Capability): this {
    if (this.#capabilities.has(id)) throw new InvariantError(`capability ${id} is already registered`);
    this.#capabilities.set(id, capability);
    return this;
  }

  get(id: string): Capability | undefined {
    return this.#capabilities.get(id);
  }

  ids(): string[] {
    return [...this.#capabilities.keys()].sort();
  }
}

/** Returns the payload unchanged (development). */
export const echoCapability: Capability = async (payload) => payload;

/** SHA-256 of the payload (development): deterministic, so every honest node agrees. */
export const hashCapability: Capability = async (payload) => createHash("sha256").update(payload).digest();

/**
 * POSTs the payload to a configured endpoint and returns the response body. A non-2xx status is an
 * execution error. Nodes agree only if the endpoint answers them identically.
 */
export function httpCapability(url: string, timeoutMs: number, maxBytes = 1 << 20): Capability {
  return async (payload, signal) => {
    const response = await fetch(url, {
      method: "POST",
      body: payload,
      headers: { "content-type": "application/octet-stream" },
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    if (!response.ok) throw new CapabilityFailedError(`http capability answered ${response.status}`);
    const body = new Uint8Array(await response.arrayBuffer());
    if (body.length > maxBytes) throw new CapabilityFailedError(`http capability answered more than ${maxBytes} bytes`);
    return body;
  };
}
