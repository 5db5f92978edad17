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
 * A found block held by a verifier that died goes to another replica after this. While a block is
 * handled (submitblock takes seconds for a full block) its delivery is reported in progress every
 * third of it, so only a dead holder lets it run out; and each replica pulls one block ahead at
 * most, so a busy or dead replica holds no queue of blocks that an idle one could submit.
 */
const BLOCKS_ACK_WAIT_MS = 5_000;

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
    ackWaitMs: BLOCKS_ACK_WAIT_MS,
    maxDeliver: -1,
  });
  const blocks = await bus.consume({
    stream,
    consumer: durable,
    schema: BlockFoundSchema,
    concurrency: 1,
    prefetch: 1,
    workingEveryMs: BLOCKS_ACK_WAIT_MS / 3,
    retryDelayMs: (n) => backoffDelayMs(n, BLOCK_SUBMIT_BACKOFF),
    handler: async (found, delivery) => {
      await submitter.submit(found, isLastSubmitAttempt(delivery.redeliveryCount));
    },
  });
  ctx.onShutdown("blocks", () => blocks.stop(), "drain");
}
