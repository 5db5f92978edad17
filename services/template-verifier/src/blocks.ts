import { create } from "@bufbuild/protobuf";
import { assembleBlock, hashFromDisplay, merkleRoot, parseTransaction, txid } from "@gatehouse/bitcoin";
import type { Bus } from "@gatehouse/bus";
import { type BlockFound, type BlockResult, BlockResultSchema, BlockStatus, type TemplateTransaction } from "@gatehouse/proto/mining/v1";
import type { Logger, Metrics } from "@gatehouse/service";
import { type SubmitOutcome, submitFailed } from "./source/outcome.js";
import type { TemplateSource } from "./source/source.js";
import { TemplateTransactionsUnavailableError } from "./template-store.js";

export interface BlockSubmitterDeps {
  bus: Bus;
  /** Adapters by source name (`bitcoind-rpc`, ...). */
  sources: ReadonlyMap<string, TemplateSource>;
  /** The transactions a found block's `transactions_ref` names. */
  transactions: (found: BlockFound) => Promise<readonly TemplateTransaction[]>;
  instanceId: string;
  logger: Logger;
  metrics: Metrics;
  now?: () => number;
}

/** The found block's header and coinbase do not fit the template's transactions. */
export class BlockAssemblyError extends Error {
  override readonly name = "BlockAssemblyError";
}

/**
 * The whole block: the found header, its full coinbase, the template's transactions. The header's
 * merkle root must be the one over the coinbase's txid and the transactions' txids, so a reference
 * to the wrong transactions is caught here rather than by the node.
 */
export function assembleFoundBlock(found: BlockFound, transactions: readonly TemplateTransaction[]): Uint8Array {
  if (found.header.length !== 80) throw new BlockAssemblyError(`header of ${found.header.length} bytes`);
  let leaves: Uint8Array[];
  try {
    leaves = [txid(parseTransaction(found.coinbaseTx)), ...transactions.map((t) => hashFromDisplay(t.txid, "txid"))];
  } catch (err) {
    throw new BlockAssemblyError(`unreadable coinbase or txid: ${(err as Error).message}`);
  }
  if (!Buffer.from(merkleRoot(leaves)).equals(Buffer.from(found.header.subarray(36, 68))))
    throw new BlockAssemblyError(
      `the header's merkle root is not the root of the coinbase and ${transactions.length} template transactions`,
    );
  return assembleBlock(
    found.header,
    found.coinbaseTx,
    transactions.map((t) => t.data),
  );
}

/** Lower-case names of BlockStatus for metric labels and logs. */
const STATUS_LABEL: Record<BlockStatus, string> = {
  [BlockStatus.UNSPECIFIED]: "unspecified",
  [BlockStatus.ACTIVE_CHAIN]: "active_chain",
  [BlockStatus.STALE]: "stale",
  [BlockStatus.REJECTED]: "rejected",
  [BlockStatus.UNCONFIRMED]: "unconfirmed",
  [BlockStatus.SUBMIT_FAILED]: "submit_failed",
};

/**
 * Found block → submission through the adapter that produced the template, confirmed against the
 * chain → BlockResult. A block for a source this verifier has no adapter for is answered as
 * submit_failed rather than dropped silently. Transport failures throw, so the BLOCKS consumer
 * redelivers, until the last attempt.
 */
export class BlockSubmitter {
  readonly #d: BlockSubmitterDeps;
  readonly #now: () => number;
  readonly #submitted;

  constructor(deps: BlockSubmitterDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
    this.#submitted = deps.metrics.counter("blocks_submitted_total", "Found blocks submitted to the node, by chain-confirmed status", [
      "outcome",
    ]);
  }

  /** On the last attempt a failure to reach the node is answered as `submit_failed: …` instead of thrown. */
  async submit(found: BlockFound, lastAttempt: boolean): Promise<BlockResult> {
    const source = this.#d.sources.get(found.source);
    const submittedAt = this.#now();
    let outcome: SubmitOutcome;
    if (!source) {
      outcome = submitFailed(`no adapter for source "${found.source}" on this verifier`);
    } else {
      try {
        outcome = await source.submitBlock(found, async () => assembleFoundBlock(found, await this.#d.transactions(found)));
      } catch (err) {
        // A block that cannot be assembled will not assemble on a redelivery either.
        const permanent = err instanceof TemplateTransactionsUnavailableError || err instanceof BlockAssemblyError;
        if (!permanent && !lastAttempt) throw err;
        outcome = submitFailed((err as Error).message);
      }
    }
    const accepted = outcome.status === BlockStatus.ACTIVE_CHAIN;
    const result = create(BlockResultSchema, {
      blockHash: found.blockHash,
      blockHeight: found.blockHeight,
      templateId: found.templateId,
      accepted,
      rejectReason: outcome.rejectReason,
      status: outcome.status,
      nodeAnswer: outcome.nodeAnswer,
      source: found.source,
      verifierInstanceId: this.#d.instanceId,
      submittedAtUnixMs: BigInt(submittedAt),
      answeredAtUnixMs: BigInt(this.#now()),
    });
    const status = STATUS_LABEL[outcome.status];
    this.#submitted.inc({ outcome: status });
    const log = {
      blockHash: found.blockHash,
      height: found.blockHeight,
      templateId: found.templateId.toString(),
      source: found.source,
      status,
      nodeAnswer: outcome.nodeAnswer,
    };
    if (accepted) this.#d.logger.info(log, "block in the node's active chain");
    else this.#d.logger.warn({ ...log, rejectReason: outcome.rejectReason }, "block not in the active chain");
    await this.#d.bus.publishDurable(this.#d.bus.subjects.blockResult, BlockResultSchema, result, { msgId: `${found.blockHash}:result` });
    return result;
  }
}
