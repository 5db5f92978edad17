import { Webhook } from "standardwebhooks";

/** Standard Webhooks headers from the reference library (the floor must not reuse the forwarder's signer). */
export function signedHeaders(secret: string, id: string, body: Buffer): Record<string, string> {
  const now = new Date();
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, now, body),
  };
}
