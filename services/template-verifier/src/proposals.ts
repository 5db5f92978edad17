import type { Bus } from "@gatehouse/bus";
import { type TemplateProposal, TemplateProposalSchema, type TemplateTransaction, TemplateVerdictSchema } from "@gatehouse/proto/mining/v1";
import { EndOfTurn, type Logger, type ServiceContext } from "@gatehouse/service";
import type { Config } from "./config.js";
import type { MempoolTracker } from "./mempool-view.js";
import type { VerifierMetrics } from "./metrics.js";
import type { SourcedTemplate } from "./source/proposal.js";
import type { TemplateStore } from "./template-store.js";
import { recordOf, type VerdictLog } from "./verdict-log.js";
import type { Verifier } from "./verifier.js";

const NO_TRANSACTIONS: readonly TemplateTransaction[] = [];

/** Longest a verdict waits for a mempool refresh when its template is newer than the snapshot. */
const MEMPOOL_REFRESH_WAIT_MS = 250;

/** The proposal's Nats-Msg-Id: a source publishing the same template again is deduplicated by the stream. */
export const proposalMsgId = (p: TemplateProposal): string => `${p.sourceInstanceId}:${p.templateId}:${p.createdAtUnixMs}`;

/**
 * Publishes a proposal of this verifier's own sources. The mempool is re-read before each proposal
 * leaves, so Class M compares the template with a snapshot at least as new as itself rather than racing
 * the periodic poll (a poll under way may have started before the template was built). The
 * transactions are stored before the proposal that names them is published.
 */
export function proposalPublisher(deps: {
  bus: Bus;
  templates: TemplateStore;
  mempool: () => MempoolTracker;
  metrics: VerifierMetrics;
  logger: Logger;
}): (template: SourcedTemplate) => Promise<void> {
  const { bus, templates, metrics, logger } = deps;
  return async ({ proposal, transactions }) => {
    await deps.mempool().refreshAsOf(Number(proposal.createdAtUnixMs));
    try {
      if (transactions.length > 0) proposal.transactionsRef = await templates.put(proposal, transactions);
      await bus.publishDurable(bus.subjects.templateProposed, TemplateProposalSchema, proposal, { msgId: proposalMsgId(proposal) });
    } catch (err) {
      metrics.publishFailures.inc({ source: proposal.source });
      throw err;
    }
    metrics.proposalsPublished.inc({ source: proposal.source });
    logger.debug(
      { templateId: proposal.templateId.toString(), height: proposal.blockHeight, txCount: proposal.txCount },
      "template proposed",
    );
  };
}

/** A proposal's transactions, or none when it names none or they cannot be read (then only its summary is checked). */
export function transactionsReader(
  templates: TemplateStore,
  metrics: VerifierMetrics,
  logger: Logger,
): (proposal: TemplateProposal) => Promise<readonly TemplateTransaction[]> {
  return async (proposal) => {
    if (!proposal.transactionsRef) return [];
    try {
      const transactions = await templates.get(proposal.transactionsRef);
      metrics.transactionReads.inc({ outcome: "ok" });
      return transactions;
    } catch (err) {
      metrics.transactionReads.inc({ outcome: "error" });
      logger.warn(
        { templateId: proposal.templateId.toString(), err: (err as Error).message },
        "template transactions unavailable: summary check only",
      );
      return [];
    }
  };
}

/**
 * Proposals on the bus → one verdict each, published and kept in the verdict log. A queue group: with
 * several replicas each proposal gets exactly one verdict. Returns the id of the last template decided.
 */
export function answerProposals(deps: {
  ctx: ServiceContext<Config>;
  bus: Bus;
  verifier: Verifier;
  mempool: MempoolTracker;
  log: VerdictLog;
  transactionsOf: (proposal: TemplateProposal) => Promise<readonly TemplateTransaction[]>;
}): { lastTemplateId(): bigint } {
  const { ctx, bus, verifier, mempool, log, transactionsOf } = deps;
  let lastTemplateId = 0n;
  // The bus hands proposals over one microtask apart and the NATS client flushes per microtask
  // run: published at the end of the turn, the verdicts decided in one run share one socket write.
  const outgoing = new EndOfTurn((err) => ctx.logger.warn({ err }, "publishing a verdict failed"));
  const answer = (proposal: TemplateProposal, transactions: readonly TemplateTransaction[]): void => {
    const verdict = verifier.decide(proposal, transactions);
    outgoing.defer(() => bus.publish(bus.subjects.templateVerdict, TemplateVerdictSchema, verdict));
    const record = recordOf(verdict);
    log.add(record);
    lastTemplateId = proposal.templateId;
    if (!verdict.accepted)
      ctx.logger.info({ templateId: record.template_id, reason: record.reason_code, detail: verdict.reasonDetail }, "template rejected");
  };
  const handle = (proposal: TemplateProposal): void | Promise<void> => {
    const createdAtMs = Number(proposal.createdAtUnixMs);
    // A proposal naming no transactions, against a mempool view already as new as it, waits for
    // nothing: answered in this turn, without the promises of the general path (~1.8 KB a proposal).
    if (!proposal.transactionsRef && mempool.isFreshAsOf(createdAtMs)) return answer(proposal, NO_TRANSACTIONS);
    return Promise.all([transactionsOf(proposal), mempool.freshAsOf(createdAtMs, MEMPOOL_REFRESH_WAIT_MS)]).then(([transactions]) =>
      answer(proposal, transactions),
    );
  };
  const proposals = bus.subscribe(bus.subjects.templateProposed, TemplateProposalSchema, handle, { queue: "template-verifier" });
  ctx.onShutdown(
    "proposals",
    async () => {
      await proposals.drain();
      outgoing.flush();
    },
    "intake",
  );
  return { lastTemplateId: () => lastTemplateId };
}
