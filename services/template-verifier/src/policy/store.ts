import { readFile } from "node:fs/promises";
import { stringify } from "smol-toml";
import { type Policy, PolicyLoadError, parsePolicyToml, policyHash, validatePolicy } from "./policy.js";

export interface LoadedPolicy {
  policy: Policy;
  hash: string;
  origin: string;
}

/**
 * The policy in force. A failed first load leaves none (every verdict is policy_load_error and the
 * service is not ready); a failed reload keeps the last good policy and records the error.
 */
export class PolicyStore {
  #current: LoadedPolicy | undefined;
  #lastError = "";

  constructor(private readonly file: string) {}

  get current(): LoadedPolicy | undefined {
    return this.#current;
  }

  get lastError(): string {
    return this.#lastError;
  }

  /** Loads (or reloads) the policy file, or the defaults when no file is configured. */
  async load(): Promise<LoadedPolicy> {
    try {
      const policy = this.file ? parsePolicyToml(await readFile(this.file, "utf8")) : validatePolicy({});
      return this.#apply(policy, this.file || "defaults");
    } catch (err) {
      this.#lastError =
        err instanceof PolicyLoadError
          ? err.message
          : `cannot read ${this.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      throw err instanceof PolicyLoadError ? err : new PolicyLoadError([this.#lastError]);
    }
  }

  /** Validates TOML text and applies it only if valid. */
  set(text: string, origin: string): LoadedPolicy {
    return this.#apply(parsePolicyToml(text), origin);
  }

  toToml(): string {
    return this.#current ? stringify(this.#current.policy) : "";
  }

  #apply(policy: Policy, origin: string): LoadedPolicy {
    this.#current = { policy, hash: policyHash(policy), origin };
    this.#lastError = "";
    return this.#current;
  }
}
