import { hashFromDisplay, nBitsToTarget, u256FromLE } from "@gatehouse/bitcoin";
import type { TemplateProposal, TemplateVerdict } from "@gatehouse/proto/mining/v1";
import { type CoinbaseParts, coinbaseParts } from "./coinbase.js";

export type EffectiveMode = "shadow" | "observe" | "inline";
export type VerdictState = "pending" | "accepted" | "rejected";

export interface CachedTemplate {
  proposal: TemplateProposal;
  parts: CoinbaseParts;
  /** Raw byte order. */
  prevHash: Uint8Array;
  networkTarget: bigint;
  verdict: VerdictState;
  verdictReason: number;
  receivedAt: number;
}

export interface BookHooks {
  /** Channels should mine `template`; `newTip` means a future job + SetNewPrevHash. */
  serve(template: CachedTemplate, newTip: boolean): void;
  /** Inline: the verifier rejected a template on a new prev_hash; miners keep the previous work. */
  tipRejected(template: CachedTemplate): void;
  /** Inline: no verdict within prevhash_verdict_timeout_ms; miners keep the stale job meanwhile. */
  verdictLate(template: CachedTemplate): void;
  /** Inline: no verdict within the timeout and the stale hold ran out. */
  switchTimeout(template: CachedTemplate, servedAnyway: boolean): void;
  /** A proposal that does not form a coinbase, dropped. */
  malformed(proposal: TemplateProposal, error: Error): void;
}

export interface BookOptions {
  cacheSize: number;
  extranonceLength: number;
  verdictTimeoutMs: number;
  staleHoldMs: number;
  failurePolicy: "fail_closed" | "fail_open";
  maxFutureTemplates: number;
  mode: () => EffectiveMode;
}

/** Verdicts that arrive before their proposal are kept this long (count-bounded). */
const MAX_EARLY_VERDICTS = 64;

/**
 * Templates from the bus: an LRU cache by template_id, their verdicts, and the gate deciding when
 * channels move to a template (observe: at once; inline: on an accepting verdict, with the
 * prevhash verdict timeout and stale hold for a new tip).
 */
export class TemplateBook {
  readonly #cache = new Map<bigint, CachedTemplate>();
  readonly #early = new Map<bigint, TemplateVerdict>();
  /** Same-tip templates awaiting a verdict, oldest first. */
  readonly #waiting: bigint[] = [];
  #pendingTip: CachedTemplate | undefined;
  #timers: NodeJS.Timeout[] = [];
  current: CachedTemplate | undefined;
  servedUnverified = 0;

  constructor(
    private readonly options: BookOptions,
    private readonly hooks: BookHooks,
  ) {}

  get(templateId: bigint): CachedTemplate | undefined {
    return this.#cache.get(templateId);
  }

  get size(): number {
    return this.#cache.size;
  }

  onProposal(proposal: TemplateProposal, now: number): void {
    let parts: CoinbaseParts;
    let prevHash: Uint8Array;
    try {
      parts = coinbaseParts(proposal, this.options.extranonceLength);
      prevHash = hashFromDisplay(proposal.prevHash, "prev_hash");
    } catch (err) {
      this.hooks.malformed(proposal, err as Error);
      return;
    }
    const template: CachedTemplate = {
      proposal,
      parts,
      prevHash,
      networkTarget: proposal.target.length === 32 ? u256FromLE(proposal.target) : nBitsToTarget(proposal.nbits),
      verdict: "pending",
      verdictReason: 0,
      receivedAt: now,
    };
    this.#remember(template);
    const early = this.#early.get(proposal.templateId);
    if (early) {
      this.#early.delete(proposal.templateId);
      this.#applyVerdict(template, early);
    }
    this.#consider(template, false);
  }

  onVerdict(verdict: TemplateVerdict): void {
    const template = this.#cache.get(verdict.templateId);
    if (!template) {
      this.#early.set(verdict.templateId, verdict);
      if (this.#early.size > MAX_EARLY_VERDICTS) this.#early.delete(this.#early.keys().next().value as bigint);
      return;
    }
    if (template.verdict !== "pending") return;
    this.#applyVerdict(template, verdict);
    this.#consider(template, true);
  }

  /** Inline degraded to observe: whatever waits for a verdict is served now. */
  releasePending(): void {
    const tip = this.#pendingTip;
    if (tip) this.#serve(tip, true);
    const last = this.#waiting.at(-1);
    const template = last === undefined ? undefined : this.#cache.get(last);
    if (template && this.current && sameTip(template, this.current)) this.#serve(template, false);
    this.#waiting.length = 0;
  }

  stop(): void {
    this.#clearTimers();
  }

  #applyVerdict(template: CachedTemplate, verdict: TemplateVerdict): void {
    template.verdict = verdict.accepted ? "accepted" : "rejected";
    template.verdictReason = verdict.reasonCode;
  }

  #consider(template: CachedTemplate, fromVerdict: boolean): void {
    const mode = this.options.mode();
    if (mode === "shadow") return;
    const newTip = !this.current || !sameTip(template, this.current);
    if (mode === "observe") {
      // Observe serves on arrival; a verdict is only recorded.
      if (!fromVerdict) this.#serve(template, newTip);
      return;
    }
    if (newTip) this.#considerTip(template);
    else this.#considerSameTip(template);
  }

  #considerTip(template: CachedTemplate): void {
    if (template.verdict === "accepted") {
      this.#serve(template, true);
      return;
    }
    if (template.verdict === "rejected") {
      if (this.#pendingTip === template) {
        this.#pendingTip = undefined;
        this.#clearTimers();
      }
      this.hooks.tipRejected(template);
      return;
    }
    if (this.#pendingTip && sameTip(this.#pendingTip, template)) {
      // A newer template on the tip we are waiting for: wait for it instead, same deadline.
      this.#pendingTip = template;
      return;
    }
    this.#pendingTip = template;
    this.#clearTimers();
    this.#timers.push(
      setTimeout(() => {
        if (this.#pendingTip) this.hooks.verdictLate(this.#pendingTip);
      }, this.options.verdictTimeoutMs),
      setTimeout(() => {
        const pending = this.#pendingTip;
        if (!pending) return;
        this.#pendingTip = undefined;
        const open = this.options.failurePolicy === "fail_open";
        if (open) {
          this.servedUnverified += 1;
          this.#serve(pending, true);
        }
        this.hooks.switchTimeout(pending, open);
      }, this.options.staleHoldMs),
    );
  }

  #considerSameTip(template: CachedTemplate): void {
    if (template.verdict === "accepted") {
      this.#serve(template, false);
      return;
    }
    if (template.verdict === "rejected") return;
    this.#waiting.push(template.proposal.templateId);
    while (this.#waiting.length > this.options.maxFutureTemplates) this.#waiting.shift();
  }

  #serve(template: CachedTemplate, newTip: boolean): void {
    if (this.#pendingTip && (this.#pendingTip === template || sameTip(this.#pendingTip, template))) {
      this.#pendingTip = undefined;
      this.#clearTimers();
    }
    const index = this.#waiting.indexOf(template.proposal.templateId);
    if (index >= 0) this.#waiting.splice(0, index + 1);
    this.current = template;
    this.hooks.serve(template, newTip);
  }

  #remember(template: CachedTemplate): void {
    this.#cache.delete(template.proposal.templateId);
    this.#cache.set(template.proposal.templateId, template);
    while (this.#cache.size > this.options.cacheSize) {
      const oldest = this.#cache.keys().next().value as bigint;
      // Never evict what miners are working on.
      if (this.current && oldest === this.current.proposal.templateId) {
        this.#cache.delete(oldest);
        this.#cache.set(oldest, this.current);
        continue;
      }
      this.#cache.delete(oldest);
    }
  }

  #clearTimers(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers = [];
  }
}

function sameTip(a: CachedTemplate, b: CachedTemplate): boolean {
  return Buffer.compare(a.prevHash, b.prevHash) === 0;
}
