import { create } from "@bufbuild/protobuf";
import type { Bus } from "@gatehouse/bus";
import { type BlockFound, type BlockResult, BlockResultSchema } from "@gatehouse/proto/mining/v1";
import type { Logger, Metrics } from "@gatehouse/service";
import type { SubmitOutcome, TemplateSource } from "./source/source.js";

export interface BlockSubmitterDeps {
  bus: Bus;
  /** Adapters by source name (`bitcoind-rpc`, ...). */
  sources: ReadonlyMap<string, TemplateSource>;
  instanceId: string;
  logger: Logger;
  metrics: Metrics;
  now?: () => number;
}

/**
 * Found block → submitblock through the adapter that produced the template → BlockResult. A block for
 * a source this verifier has no adapter for is answered as not accepted rather than dropped silently.
 * Transport failures throw, so the BLOCKS consumer redelivers, until the last attempt.
 */
export class BlockSubmitter {
  readonly #d: BlockSubmitterDeps;
  readonly #now: () => number;
  readonly #submitted;

  constructor(deps: BlockSubmitterDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
    this.#submitted = deps.metrics.counter("blocks_submitted_total", "Found blocks submitted to the node, by outcome", ["outcome"]);
  }

  /** On the last attempt a failure to reach the node is answered as `submit_failed: …` instead of thrown. */
  async submit(found: BlockFound, lastAttempt: boolean): Promise<BlockResult> {
    const source = this.#d.sources.get(found.source);
    const submittedAt = this.#now();
    let outcome: SubmitOutcome;
    if (!source) {
      outcome = { accepted: false, rejectReason: `no adapter for source "${found.source}" on this verifier` };
    } else {
      try {
        outcome = await source.submitBlock(found);
      } catch (err) {
        if (!lastAttempt) throw err;
        outcome = { accepted: false, rejectReason: `submit_failed: ${(err as Error).message}` };
      }
    }
    const result = create(BlockResultSchema, {
      blockHash: found.blockHash,
      blockHeight: found.blockHeight,
      templateId: found.templateId,
      accepted: outcome.accepted,
      rejectReason: outcome.rejectReason,
      source: found.source,
      verifierInstanceId: this.#d.instanceId,
      submittedAtUnixMs: BigInt(submittedAt),
      answeredAtUnixMs: BigInt(this.#now()),
    });
    this.#submitted.inc({ outcome: outcome.accepted ? "accepted" : "rejected" });
    const log = { blockHash: found.blockHash, height: found.blockHeight, templateId: found.templateId.toString(), source: found.source };
    if (outcome.accepted) this.#d.logger.info(log, "block accepted by the node");
    else this.#d.logger.warn({ ...log, rejectReason: outcome.rejectReason }, "block rejected");
    await this.#d.bus.publishDurable(this.#d.bus.subjects.blockResult, BlockResultSchema, result, { msgId: `${found.blockHash}:result` });
    return result;
  }
}
