import { type Bus, decode } from "@gatehouse/bus";
import { type TemplateProposal, TemplateProposalSchema, type TemplateVerdict, TemplateVerdictSchema } from "@gatehouse/proto/mining/v1";

export interface LatestTemplate {
  proposal: TemplateProposal;
  /** When the stream stored it (Unix ms): its age counts toward upstream_stale_max_ms. */
  storedAt: number;
  verdict: TemplateVerdict | undefined;
}

/**
 * The newest proposal (and its verdict, if that is the newest verdict) kept in the TEMPLATES
 * stream, so a restarted edge serves work without waiting for the next template. Undefined when
 * the stream or a proposal is missing.
 */
export async function latestTemplate(bus: Bus, stream: string): Promise<LatestTemplate | undefined> {
  const jsm = await bus.jsm();
  const last = (subject: string) => jsm.streams.getMessage(stream, { last_by_subj: subject }).catch(() => null);
  const stored = await last(bus.subjects.templateProposed);
  if (!stored) return undefined;
  const proposal = decode(TemplateProposalSchema, stored.data, stored.header);
  const verdictMsg = await last(bus.subjects.templateVerdict);
  const verdict = verdictMsg ? decode(TemplateVerdictSchema, verdictMsg.data, verdictMsg.header) : undefined;
  return { proposal, storedAt: stored.time.getTime(), verdict: verdict?.templateId === proposal.templateId ? verdict : undefined };
}
