import { createHmac } from "node:crypto";
import { InvariantError } from "@gatehouse/service";
import { SigningSecretError } from "./errors.js";

const SECRET_PREFIX = "whsec_";

/** The three Standard Webhooks headers of one delivery attempt. */
export interface WebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * Standard Webhooks signing: `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>` over the
 * exact body bytes sent, one signature per configured secret (space-separated) so a receiver
 * holding either the old or the new secret verifies during a rotation. The keys live in private
 * fields: logging a signer prints nothing secret.
 */
export class WebhookSigner {
  readonly #keys: Buffer[];

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new SigningSecretError("at least one signing secret is required");
    this.#keys = secrets.map((secret) => {
      if (!secret.startsWith(SECRET_PREFIX)) throw new SigningSecretError("signing secrets must be whsec_<base64>");
      return Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
    });
  }

  /** Headers for an attempt at `nowMs`; `id` must not contain "." (event ids are hex). */
  sign(id: string, body: Uint8Array, nowMs: number): WebhookHeaders {
    if (id.includes(".")) throw new InvariantError("webhook-id must not contain '.'");
    const timestamp = String(Math.floor(nowMs / 1000));
    const signatures = this.#keys.map((key) => {
      const mac = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest("base64");
      return `v1,${mac}`;
    });
    return { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signatures.join(" ") };
  }

  toJSON(): string {
    return `WebhookSigner(${this.#keys.length} secrets)`;
  }
}
