import { createHash } from "node:crypto";
import type { Config } from "../config/config.js";

/** Who sent a request; ids and limits are scoped to it. */
export type Authenticator = (token: string | undefined) => string | undefined;

export const ANONYMOUS_SENDER = "anonymous";

/**
 * Bearer-token authentication: a token is known by its SHA-256 only, so the config never holds a
 * usable credential. In `none` mode every caller is the same sender.
 */
export function authenticator(auth: Config["auth"]): Authenticator {
  if (auth.mode === "none") return () => ANONYMOUS_SENDER;
  const senders = new Map(auth.tokens.map((t) => [t.token_sha256, t.sender]));
  return (token) => (token ? senders.get(createHash("sha256").update(token).digest("hex")) : undefined);
}
