import type { BlockFound, TemplateProposal } from "@gatehouse/proto/mining/v1";
import type { Logger } from "@gatehouse/service";
import { type MessageFields, Protocol, Sv2Client } from "@gatehouse/sv2";
import type { SubmitOutcome, TemplateSource } from "./source.js";
import { proposalFromTdp } from "./tdp-proposal.js";

export const TDP_SOURCE = "sv2-tdp";

export interface Sv2TdpSourceOptions {
  host: string;
  port: number;
  /** The Template Provider's authority key (base58check); required, the TP's certificate is always checked. */
  authorityPublicKey: string;
  sourceInstanceId: string;
  payoutScript: Uint8Array;
  /** CoinbaseOutputConstraints: room the pool's outputs take in the coinbase. */
  coinbaseOutputMaxAdditionalSize: number;
  coinbaseOutputMaxAdditionalSigops: number;
  reconnectDelayMs: number;
  logger: Logger;
  onProposal: (proposal: TemplateProposal) => void | Promise<void>;
  now?: () => number;
}

/** Templates kept while waiting for their SetNewPrevHash / transaction data (a TP sends a few per tip). */
const MAX_PENDING_TEMPLATES = 16;

/**
 * Template source over the SV2 Template Distribution Protocol (Noise NX initiator, as a client of
 * Bitcoin Core's sv2-tp): SetupConnection(protocol 2), CoinbaseOutputConstraints, NewTemplate /
 * SetNewPrevHash, RequestTransactionData for the full check, SubmitSolution for found blocks.
 */
export class Sv2TdpSource implements TemplateSource {
  readonly name = TDP_SOURCE;
  readonly #o: Sv2TdpSourceOptions;
  readonly #now: () => number;
  readonly #templates = new Map<bigint, MessageFields<"NewTemplate">>();
  #prev: MessageFields<"SetNewPrevHashTdp"> | undefined;
  #client: Sv2Client | undefined;
  #stopped = false;
  #lastOkMs = 0;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #failures = 0;

  constructor(options: Sv2TdpSourceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get sourceInstanceId(): string {
    return this.#o.sourceInstanceId;
  }

  get lastOkMs(): number {
    return this.#lastOkMs;
  }

  /** Sessions that ended in an error (connect, handshake, certificate, setup, transport). */
  get connectionFailures(): number {
    return this.#failures;
  }

  start(): void {
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#client?.close().catch(() => undefined);
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#session();
      } catch (err) {
        if (this.#stopped) return;
        this.#failures += 1;
        this.#o.logger.warn({ err: (err as Error).message, source: this.name }, "template provider connection failed");
      }
      this.#client = undefined;
      if (this.#stopped) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#o.reconnectDelayMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async #session(): Promise<void> {
    const client = await Sv2Client.connect({ host: this.#o.host, port: this.#o.port, authorityPublicKey: this.#o.authorityPublicKey });
    this.#client = client;
    if (this.#stopped) return;
    await client.setupConnection({ protocol: Protocol.templateDistribution });
    await client.connection.send("CoinbaseOutputConstraints", {
      coinbaseOutputMaxAdditionalSize: this.#o.coinbaseOutputMaxAdditionalSize,
      coinbaseOutputMaxAdditionalSigops: this.#o.coinbaseOutputMaxAdditionalSigops,
    });
    this.#lastOkMs = this.#now();
    this.#templates.clear();
    this.#prev = undefined;
    for await (const m of client.messages()) {
      this.#lastOkMs = this.#now();
      switch (m.type) {
        case "NewTemplate":
          this.#remember(m.message);
          // A non-future template builds on the current prev hash: it can be checked at once.
          if (!m.message.futureTemplate && this.#prev) await this.#requestData(client, m.message.templateId);
          break;
        case "SetNewPrevHashTdp":
          this.#prev = m.message;
          if (this.#templates.has(m.message.templateId)) await this.#requestData(client, m.message.templateId);
          break;
        case "RequestTransactionDataSuccess":
          await this.#propose(m.message);
          break;
        case "RequestTransactionDataError":
          this.#o.logger.warn(
            { templateId: m.message.templateId.toString(), errorCode: m.message.errorCode },
            "template provider refused transaction data",
          );
          break;
        default:
          this.#o.logger.debug({ type: m.type }, "ignoring template provider message");
      }
    }
  }

  #remember(template: MessageFields<"NewTemplate">): void {
    this.#templates.set(template.templateId, template);
    while (this.#templates.size > MAX_PENDING_TEMPLATES) {
      const oldest = this.#templates.keys().next().value as bigint;
      this.#templates.delete(oldest);
    }
  }

  #requestData(client: Sv2Client, templateId: bigint): Promise<void> {
    return client.connection.send("RequestTransactionData", { templateId });
  }

  async #propose(data: MessageFields<"RequestTransactionDataSuccess">): Promise<void> {
    const template = this.#templates.get(data.templateId);
    const prev = this.#prev;
    if (!template || !prev) return;
    try {
      await this.#o.onProposal(
        proposalFromTdp(template, prev, data.transactionList, {
          source: this.name,
          sourceInstanceId: this.#o.sourceInstanceId,
          payoutScript: this.#o.payoutScript,
          createdAtMs: this.#now(),
        }),
      );
    } catch (err) {
      this.#o.logger.warn(
        { err: (err as Error).message, templateId: data.templateId.toString() },
        "template provider sent a template that cannot be read",
      );
    }
  }

  /** SubmitSolution has no reply in the protocol: the outcome is "inconclusive", not an acceptance. */
  async submitBlock(found: BlockFound): Promise<SubmitOutcome> {
    const client = this.#client;
    if (!client) throw new Error("no template provider connection to submit through");
    await client.connection.send("SubmitSolution", {
      templateId: found.templateId,
      version: found.version,
      headerTimestamp: found.ntime,
      headerNonce: found.nonce,
      coinbaseTx: found.coinbaseTx,
    });
    return { accepted: false, rejectReason: "inconclusive: submitted to the template provider (SubmitSolution has no reply)" };
  }
}
