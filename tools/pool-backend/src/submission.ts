import { z } from "zod";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex digits");
const u32 = z.number().int().min(0).max(0xffff_ffff);

/** The share forwarder's POST body, as this backend understands it (extra fields are ignored). */
export const submissionSchema = z.object({
  share_id: hex64,
  event_id: hex64,
  worker_id: z.string().min(1).max(256),
  validation_level: z.string().max(32),
  channel_id: u32,
  job_id: u32,
  sequence_number: u32,
  template_id: z.string().regex(/^\d{1,20}$/),
  block_height: u32,
  pool_account_id: z.string().max(256),
  fee_tier: z.string().max(64),
  difficulty: z.number().positive(),
  version: u32,
  prev_hash: hex64,
  merkle_root: hex64,
  ntime: u32,
  nbits: u32,
  nonce: u32,
  timestamp_ms: z.number().int().nonnegative(),
  gateway_instance_id: z.string().max(128),
  is_block: z.boolean(),
});

export type Submission = z.output<typeof submissionSchema>;

/** A share as this backend reads it, or what is wrong with it (one line). */
export function checkSubmission(json: unknown): { submission: Submission } | { error: string } {
  if (json === undefined) return { error: "body is empty" };
  const result = submissionSchema.safeParse(json);
  if (!result.success) return { error: result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  return { submission: result.data };
}
