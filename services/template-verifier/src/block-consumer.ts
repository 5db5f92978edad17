import { type Bus, ensureConsumer } from "@gatehouse/bus";
import { BlockFoundSchema } from "@gatehouse/proto/mining/v1";
import { backoffDelayMs, type ServiceContext } from "@gatehouse/service";
import type { BlockSubmitter } from "./blocks.js";
import type { Config } from "./config.js";

/**
 * Deliveries of one found block that try the node before its BlockResult says submit_failed. The
 * consumer itself has no delivery limit: publishing that answer is retried until the stream stores
 * it (a limit would drop a block whose last answer met a NATS leader election).
 */
export const BLOCK_SUBMIT_ATTEMPTS = 5;
/** A found block is worth the most while it is new: retries start at 250 ms and stay under 2 s. */
const BLOCK_SUBMIT_BACKOFF = { baseMs: 250, maxMs: 2_000 };

/**
 * The durable's filter names the subject root, and NATS 2.9 cannot change a filter: the root is part of
 * the name, so stacks sharing one BLOCKS stream name (no stream_prefix) each get their own consumer.
 */
export const blocksDurable = (subjectRoot: string) => `template-verifier-blocks_${subjectRoot.replace(/\./g, "_")}`;

/** Whether a delivery (redelivered `redeliveryCount` times) is the last that may try the node. */
export const isLastSubmitAttempt = (redeliveryCount: number): boolean => redeliveryCount >= BLOCK_SUBMIT_ATTEMPTS - 1;

/** Found blocks from the BLOCKS stream → submitblock → BlockResult, one at a time. */
export async function consumeFoundBlocks(ctx: ServiceContext<Config>, bus: Bus, stream: string, submitter: BlockSubmitter): Promise<void> {
  const durable = blocksDurable(ctx.config.nats.subject_root);
  await ensureConsumer(await bus.jsm(), {
    stream,
    durable,
    description: "template-verifier: found blocks to submit",
    filterSubject: bus.subjects.blockFound,
    deliverPolicy: "new",
    ackWaitMs: 30_000,
    maxDeliver: -1,
  });
  const blocks = await bus.consume({
    stream,
    consumer: durable,
    schema: BlockFoundSchema,
    concurrency: 1,
    retryDelayMs: (n) => backoffDelayMs(n, BLOCK_SUBMIT_BACKOFF),
    handler: async (found, delivery) => {
      await submitter.submit(found, isLastSubmitAttempt(delivery.redeliveryCount));
    },
  });
  ctx.onShutdown("blocks", () => blocks.stop(), "drain");
}
