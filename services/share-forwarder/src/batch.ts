import { createHash } from "node:crypto";

const OPEN = Buffer.from('{"shares":[');
const SEPARATOR = Buffer.from(",");
const CLOSE = Buffer.from("]}");

/** Bytes of a batch body carrying shares whose own bodies have these sizes. */
export function batchBytes(sizes: readonly number[]): number {
  if (sizes.length === 0) return OPEN.length + CLOSE.length;
  return OPEN.length + CLOSE.length + sizes.reduce((sum, size) => sum + size, 0) + sizes.length - 1;
}

/**
 * How many of the pending shares (oldest first, by body size) the next batch takes: at most
 * `maxShares`, and no more than fit in `maxBytes` — but at least one, so a share larger than the
 * cap still goes (alone) rather than waiting forever.
 */
export function batchTake(sizes: readonly number[], maxShares: number, maxBytes: number): number {
  let bytes = OPEN.length + CLOSE.length;
  let taken = 0;
  for (const size of sizes) {
    if (taken === maxShares) break;
    const next = bytes + size + (taken === 0 ? 0 : SEPARATOR.length);
    if (taken > 0 && next > maxBytes) break;
    bytes = next;
    taken += 1;
  }
  return taken;
}

/**
 * The batch body `{"shares":[<body>,<body>,...]}` from each share's own body bytes, unchanged:
 * each share is exactly what per-share mode would POST for it.
 */
export function batchBody(bodies: readonly Uint8Array[]): Buffer {
  const parts: Uint8Array[] = [OPEN];
  bodies.forEach((body, index) => {
    if (index > 0) parts.push(SEPARATOR);
    parts.push(body);
  });
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

/**
 * The batch's webhook-id: "batch_" and the SHA-256 of its event ids in order. Unique per batch
 * (any other set or order of shares gives another id) and free of "." as Standard Webhooks ids
 * must be; the shares' own idempotency keys are their event_ids inside the body.
 */
export function batchWebhookId(eventIds: readonly string[]): string {
  return `batch_${createHash("sha256").update(eventIds.join(",")).digest("hex")}`;
}
