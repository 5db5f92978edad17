import { hashToDisplay, parseBip34Height } from "@gatehouse/bitcoin";
import { type BlockFound, BlockStatus } from "@gatehouse/proto/mining/v1";
import type { Logger } from "@gatehouse/service";
import { type MessageFields, Protocol, Sv2Client } from "@gatehouse/sv2";
import type { SubmitOutcome } from "./outcome.js";
import type { SourcedTemplate } from "./proposal.js";
import { ProposalPublishError, type TemplateSource, UpstreamUnavailableError } from "./source.js";
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
  /** How long a submitted block waits for the TP to announce it as the new tip. */
  blockConfirmTimeoutMs: number;
  logger: Logger;
  onProposal: (template: SourcedTemplate) => void | Promise<void>;
  now?: () => number;
}

/** Templates kept while waiting for their SetNewPrevHash / transaction data (a TP sends a few per tip). */
const MAX_PENDING_TEMPLATES = 16;

/**
 * Largest frame taken from the TP. RequestTransactionData.Success carries a whole block's
 * transactions (up to ~4 MB at 4 M weight); the SV2 default of 1 MiB would end the session on every
 * full block. Twice the largest block, and still far below the U24 frame limit.
 */
export const TDP_MAX_FRAME_BYTES = 8 * 1024 * 1024;

/** A tip the TP announced (SetNewPrevHash): display hash and height (undefined if its template is unknown). */
interface Tip {
  hash: string;
  height: number | undefined;
}

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
  #tip: Tip | undefined;
  readonly #tipWaiters = new Set<(tip: Tip) => void>();

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
    const client = await Sv2Client.connect({
      host: this.#o.host,
      port: this.#o.port,
      authorityPublicKey: this.#o.authorityPublicKey,
      maxPayloadBytes: TDP_MAX_FRAME_BYTES,
    });
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
          this.#announceTip(m.message);
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

  /** The TP's tip moved: its height is the activated template's BIP34 height − 1. */
  #announceTip(prev: MessageFields<"SetNewPrevHashTdp">): void {
    const template = this.#templates.get(prev.templateId);
    const height = template ? parseBip34Height(template.coinbasePrefix) : undefined;
    const tip: Tip = { hash: hashToDisplay(prev.prevHash), height: height == null ? undefined : height - 1 };
    this.#tip = tip;
    for (const waiter of this.#tipWaiters) waiter(tip);
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
      if (err instanceof ProposalPublishError)
        this.#o.logger.error({ err: err.cause.message, templateId: data.templateId.toString() }, "template proposal publish failed");
      else
        this.#o.logger.warn(
          { err: (err as Error).message, templateId: data.templateId.toString() },
          "template provider sent a template that cannot be read",
        );
    }
  }

  /**
   * SubmitSolution has no reply in the protocol, so the chain is read through the TP itself: a TP
   * announces every new tip of its node (SetNewPrevHash), and one naming this block means the node
   * made it its tip. A tip at the block's height or above that is another block means it is not in
   * the active chain; no announcement within `blockConfirmTimeoutMs` leaves it unconfirmed (the
   * node may have refused it: the TP does not say).
   */
  async submitBlock(found: BlockFound): Promise<SubmitOutcome> {
    const client = this.#client;
    if (!client) throw new UpstreamUnavailableError("no template provider connection to submit through");
    let cancel = () => {};
    const outcome = new Promise<SubmitOutcome>((resolve) => {
      const settle = (o: SubmitOutcome) => {
        clearTimeout(timer);
        this.#tipWaiters.delete(onTip);
        resolve(o);
      };
      cancel = () => {
        clearTimeout(timer);
        this.#tipWaiters.delete(onTip);
      };
      const onTip = (tip: Tip) => {
        if (tip.hash === found.blockHash) settle({ status: BlockStatus.ACTIVE_CHAIN, rejectReason: "", nodeAnswer: "none" });
        else if (tip.height !== undefined && tip.height >= found.blockHeight)
          settle({
            status: BlockStatus.UNCONFIRMED,
            rejectReason: `not_in_chain: the template provider's tip is ${tip.hash} at height ${tip.height}`,
            nodeAnswer: "none",
          });
      };
      const timer = setTimeout(
        () =>
          settle({
            status: BlockStatus.UNCONFIRMED,
            rejectReason: `unconfirmed: the template provider announced no tip with this block within ${this.#o.blockConfirmTimeoutMs} ms`,
            nodeAnswer: "none",
          }),
        this.#o.blockConfirmTimeoutMs,
      );
      this.#tipWaiters.add(onTip);
    });
    // Already the tip (a second submission after a restart): no new announcement will come.
    if (this.#tip?.hash === found.blockHash) {
      cancel();
      return { status: BlockStatus.ACTIVE_CHAIN, rejectReason: "", nodeAnswer: "none" };
    }
    try {
      await client.connection.send("SubmitSolution", {
        templateId: found.templateId,
        version: found.version,
        headerTimestamp: found.ntime,
        headerNonce: found.nonce,
        coinbaseTx: found.coinbaseTx,
      });
    } catch (err) {
      cancel();
      throw err;
    }
    return outcome;
  }
}
