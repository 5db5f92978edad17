import { EdgeEventType, GatewayReason, VerdictReason } from "@gatehouse/proto/mining/v1";
import type { Logger } from "@gatehouse/service";
import type { EventLog } from "../ops/event-log.js";
import type { BookHooks, CachedTemplate } from "./book.js";

/** The sessions a template reaches: the Edge, once miners are served. */
export interface ServedMiners {
  serve(template: CachedTemplate, newTip: boolean): void;
  expireAllJobs(): void;
  closeAll(reason: GatewayReason, detail: string): Promise<void>;
}

export interface BookOutcomeDeps {
  /** undefined in shadow mode (no miners) and until the listener is up. */
  miners(): ServedMiners | undefined;
  events: Pick<EventLog, "record">;
  logger: Logger;
}

/**
 * fail_closed when a new prev_hash was never verified within the stale hold
 * (prevhash_switch_timeout): no job of the old tip may earn credit any more, and every miner is
 * told to go (CloseChannel prevhash-switch-timeout), rather than mining unverified work.
 */
export function disconnectAllOnSwitchTimeout(miners: ServedMiners): void {
  miners.expireAllJobs();
  void miners.closeAll(GatewayReason.prevhash_switch_timeout, "prevhash-switch-timeout");
}

/** What the edge does about each of the TemplateBook's outcomes: serve, log, record, or disconnect. */
export function bookOutcomes(deps: BookOutcomeDeps): BookHooks {
  const { events, logger } = deps;
  return {
    serve: (template, newTip) => deps.miners()?.serve(template, newTip),
    tipRejected: (template) => {
      logger.warn(
        { templateId: String(template.proposal.templateId), reason: VerdictReason[template.verdictReason] },
        "verifier rejected a new prev_hash; miners keep the previous work",
      );
      events.record({
        type: EdgeEventType.prevhash_switched,
        reasonCode: GatewayReason.prevhash_verdict_rejected,
        reasonDetail: VerdictReason[template.verdictReason] ?? "",
      });
    },
    verdictLate: (template) =>
      logger.warn(
        { templateId: String(template.proposal.templateId) },
        "no verdict within prevhash_verdict_timeout_ms; holding the stale job",
      ),
    switchTimeout: (template, servedAnyway) => {
      const detail = servedAnyway ? "served unverified (fail_open)" : "old-tip jobs expired and miners disconnected (fail_closed)";
      logger.error({ templateId: String(template.proposal.templateId) }, `prevhash_switch_timeout: ${detail}`);
      events.record({ type: EdgeEventType.prevhash_switched, reasonCode: GatewayReason.prevhash_switch_timeout, reasonDetail: detail });
      const miners = deps.miners();
      if (!servedAnyway && miners) disconnectAllOnSwitchTimeout(miners);
    },
    malformed: (proposal, err) =>
      logger.error({ templateId: String(proposal.templateId), err: err.message }, "template dropped: coinbase material is malformed"),
  };
}
