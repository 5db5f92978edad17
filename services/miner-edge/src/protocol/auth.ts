import type { GatewayReason } from "@gatehouse/proto/mining/v1";

export type AuthMode = "allowlist" | "prefix_map" | "open";

export interface AuthPolicy {
  mode: AuthMode;
  allowlist: readonly string[];
  /** Identity prefix → pool account id. */
  prefixMap: Readonly<Record<string, string>>;
  maxWorkerIdBytes: number;
}

export type AuthDecision =
  | { ok: true; workerId: string; poolAccountId: string }
  | {
      ok: false;
      reason: keyof typeof GatewayReason & ("identity_too_long" | "miner_unauthorized" | "identity_prefix_unmatched");
      detail: string;
    };

// Control characters would let a worker id forge log lines or event fields.
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Decides whether a user_identity may open a channel, and which account it mines for. */
export class Authorizer {
  readonly #allow: ReadonlySet<string>;
  /** Longest prefix first, so the most specific entry wins. */
  readonly #prefixes: readonly [string, string][];

  constructor(private readonly policy: AuthPolicy) {
    this.#allow = new Set(policy.allowlist);
    this.#prefixes = Object.entries(policy.prefixMap).sort((a, b) => b[0].length - a[0].length);
  }

  authorize(identity: string): AuthDecision {
    const bytes = Buffer.byteLength(identity, "utf8");
    if (bytes > this.policy.maxWorkerIdBytes) {
      return {
        ok: false,
        reason: "identity_too_long",
        detail: `user_identity is ${bytes} bytes, the limit is ${this.policy.maxWorkerIdBytes}`,
      };
    }
    if (identity.length === 0 || hasControlCharacter(identity)) {
      return { ok: false, reason: "miner_unauthorized", detail: "user_identity is empty or contains control characters" };
    }
    switch (this.policy.mode) {
      case "open":
        return { ok: true, workerId: identity, poolAccountId: "" };
      case "allowlist":
        return this.#allow.has(identity)
          ? { ok: true, workerId: identity, poolAccountId: "" }
          : { ok: false, reason: "miner_unauthorized", detail: "user_identity is not in the allowlist" };
      case "prefix_map": {
        const match = this.#prefixes.find(([prefix]) => identity.startsWith(prefix));
        return match
          ? { ok: true, workerId: identity, poolAccountId: match[1] }
          : { ok: false, reason: "identity_prefix_unmatched", detail: "user_identity matches no prefix_map entry" };
      }
    }
  }
}
