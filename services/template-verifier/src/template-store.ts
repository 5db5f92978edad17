import { create, fromBinary } from "@bufbuild/protobuf";
import { createMessage, messageToBinary, type ObjectStore, readObject } from "@gatehouse/bus";
import {
  type TemplateProposal,
  type TemplateTransaction,
  type TemplateTransactionsRef,
  TemplateTransactionsRefSchema,
  TemplateTransactionsSchema,
} from "@gatehouse/proto/mining/v1";

/** Templates whose transactions this verifier keeps in memory (its own latest ones, ~2 MB each on mainnet). */
const RECENT_TEMPLATES = 8;

/** A template's transactions cannot be read: expired, never stored, another bucket, or not what the reference says. */
export class TemplateTransactionsUnavailableError extends Error {
  override readonly name = "TemplateTransactionsUnavailableError";
}

/**
 * Template transactions in the JetStream object store (TEMPLATE_TRANSACTIONS): written before the
 * proposal that references them is published, read by whichever verifier replica checks the
 * proposal or submits a block found on it, also after a restart. Objects are chunked, so a
 * mainnet template (1.5-4 MB) is stored on a server with the default 1 MiB max_payload.
 */
export class TemplateStore {
  readonly #recent = new Map<string, readonly TemplateTransaction[]>();

  constructor(
    private readonly store: ObjectStore,
    readonly bucket: string,
    /** A read gives up after this (ObjectReadTimeoutError); see `transactions_read_timeout_ms`. */
    private readonly readTimeoutMs: number,
  ) {}

  /** Stores the transactions; resolves with the reference the proposal carries. */
  async put(proposal: TemplateProposal, transactions: readonly TemplateTransaction[]): Promise<TemplateTransactionsRef> {
    // Unique per template even when a restarted source counts template ids from 1 again.
    const name = `${proposal.sourceInstanceId}.${proposal.templateId}.${proposal.createdAtUnixMs}`;
    const data = messageToBinary(
      TemplateTransactionsSchema,
      createMessage(TemplateTransactionsSchema, {
        templateId: proposal.templateId,
        sourceInstanceId: proposal.sourceInstanceId,
        transactions: [...transactions],
      }),
    );
    await this.store.putBlob({ name }, data);
    this.#remember(name, transactions);
    return create(TemplateTransactionsRefSchema, {
      bucket: this.bucket,
      name,
      sizeBytes: BigInt(data.length),
      txCount: transactions.length,
    });
  }

  /** The referenced transactions, from memory when this verifier stored or read them recently. */
  async get(ref: TemplateTransactionsRef): Promise<readonly TemplateTransaction[]> {
    const recent = this.#recent.get(ref.name);
    if (recent) return recent;
    if (ref.bucket !== this.bucket)
      throw new TemplateTransactionsUnavailableError(`bucket ${ref.bucket} is not this verifier's (${this.bucket})`);
    const data = await readObject(this.store, ref.name, this.readTimeoutMs);
    if (data === null) throw new TemplateTransactionsUnavailableError(`no object ${ref.name} (expired or never stored)`);
    const { transactions } = fromBinary(TemplateTransactionsSchema, data);
    if (transactions.length !== ref.txCount)
      throw new TemplateTransactionsUnavailableError(
        `object ${ref.name} holds ${transactions.length} transactions, the reference says ${ref.txCount}`,
      );
    this.#remember(ref.name, transactions);
    return transactions;
  }

  #remember(name: string, transactions: readonly TemplateTransaction[]): void {
    this.#recent.set(name, transactions);
    while (this.#recent.size > RECENT_TEMPLATES) this.#recent.delete(this.#recent.keys().next().value as string);
  }
}
