import type { TemplateSource } from "./source.js";

/** Readiness of the template sources: each must have answered within `staleMaxMs`. */
export function sourcesHealth(sources: readonly TemplateSource[], staleMaxMs: number, nowMs: number): { ok: boolean; reason?: string } {
  const silentMs = (s: TemplateSource) => (s.lastOkMs > 0 ? nowMs - s.lastOkMs : Number.POSITIVE_INFINITY);
  const silent = sources.filter((s) => silentMs(s) > staleMaxMs);
  if (silent.length === 0) return { ok: true };
  return {
    ok: false,
    reason: silent.map((s) => (s.lastOkMs === 0 ? `${s.name}: no answer yet` : `${s.name}: silent for ${silentMs(s)} ms`)).join("; "),
  };
}
