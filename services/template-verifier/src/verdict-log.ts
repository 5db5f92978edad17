import { type TemplateVerdict, VerdictReason } from "@gatehouse/proto/mining/v1";
import { type RouteHandler, sendError, sendJson, sendText } from "@gatehouse/service";

/** A verdict as the /verdicts endpoint shows it. */
export interface VerdictRecord {
  template_id: string;
  source_instance_id: string;
  accepted: boolean;
  reason_code: string;
  reason_detail: string;
  warnings: string[];
  fee_tier: string;
  prev_hash: string;
  block_height: number;
  full_check: boolean;
  policy_hash: string;
  decided_at_unix_ms: number;
}

export interface VerdictFilter {
  accepted?: boolean;
  reason?: string;
  source?: string;
  sinceMs?: number;
  limit?: number;
}

/** A /verdicts query parameter that is not valid. */
export class VerdictFilterError extends Error {
  override readonly name = "VerdictFilterError";
}

export function recordOf(v: TemplateVerdict): VerdictRecord {
  return {
    template_id: v.templateId.toString(),
    source_instance_id: v.sourceInstanceId,
    accepted: v.accepted,
    reason_code: VerdictReason[v.reasonCode] ?? "VERDICT_REASON_UNSPECIFIED",
    reason_detail: v.reasonDetail,
    warnings: v.warnings.map((w) => VerdictReason[w] ?? String(w)),
    fee_tier: v.policyContext?.feeTier ?? "",
    prev_hash: v.prevHash,
    block_height: v.blockHeight,
    full_check: v.fullCheck,
    policy_hash: v.policyContext?.policyHash ?? "",
    decided_at_unix_ms: Number(v.decidedAtUnixMs),
  };
}

/** The last `capacity` verdicts in memory (a ring: the oldest is overwritten). */
export class VerdictLog {
  readonly #ring: (VerdictRecord | undefined)[];
  #next = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    this.#ring = new Array(capacity);
  }

  add(record: VerdictRecord): void {
    this.#ring[this.#next] = record;
    this.#next = (this.#next + 1) % this.capacity;
    this.#size = Math.min(this.#size + 1, this.capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Newest first. */
  query(filter: VerdictFilter = {}): VerdictRecord[] {
    const limit = Math.min(filter.limit ?? this.capacity, this.capacity);
    const out: VerdictRecord[] = [];
    for (let i = 1; i <= this.#size && out.length < limit; i++) {
      const r = this.#ring[(this.#next - i + this.capacity) % this.capacity] as VerdictRecord;
      if (filter.accepted !== undefined && r.accepted !== filter.accepted) continue;
      if (filter.reason !== undefined && r.reason_code !== filter.reason) continue;
      if (filter.source !== undefined && r.source_instance_id !== filter.source) continue;
      if (filter.sinceMs !== undefined && r.decided_at_unix_ms < filter.sinceMs) continue;
      out.push(r);
    }
    return out;
  }
}

const REASONS = new Set(Object.values(VerdictReason).filter((v): v is string => typeof v === "string"));

/** Parses `?accepted=&reason=&source=&since=&limit=`; a bad value is a VerdictFilterError (→ 400). */
export function parseVerdictFilter(params: URLSearchParams): VerdictFilter {
  const filter: VerdictFilter = {};
  const accepted = params.get("accepted");
  if (accepted !== null) {
    if (accepted !== "true" && accepted !== "false") throw new VerdictFilterError("accepted must be true or false");
    filter.accepted = accepted === "true";
  }
  const reason = params.get("reason");
  if (reason !== null) {
    if (!REASONS.has(reason)) throw new VerdictFilterError(`unknown reason code ${JSON.stringify(reason.slice(0, 64))}`);
    filter.reason = reason;
  }
  const source = params.get("source");
  if (source !== null) filter.source = source;
  for (const [key, field] of [
    ["since", "sinceMs"],
    ["limit", "limit"],
  ] as const) {
    const value = params.get(key);
    if (value === null) continue;
    if (!/^\d{1,15}$/.test(value)) throw new VerdictFilterError(`${key} must be a non-negative integer`);
    filter[field] = Number(value);
  }
  return filter;
}

const CSV_COLUMNS: (keyof VerdictRecord)[] = [
  "decided_at_unix_ms",
  "template_id",
  "source_instance_id",
  "block_height",
  "prev_hash",
  "accepted",
  "reason_code",
  "reason_detail",
  "warnings",
  "fee_tier",
  "full_check",
  "policy_hash",
];

function csvField(value: unknown): string {
  const text = Array.isArray(value) ? value.join(";") : String(value);
  // Quote always-safe; a leading formula character is neutralised for spreadsheet imports.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function toCsv(records: readonly VerdictRecord[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of records) lines.push(CSV_COLUMNS.map((c) => csvField(r[c])).join(","));
  return `${lines.join("\n")}\n`;
}

/** GET /verdicts: JSON by default, CSV with `format=csv`; a bad filter is 400 invalid_filter. */
export function verdictsRoute(log: VerdictLog): RouteHandler {
  return (_req, res, url) => {
    let filter: VerdictFilter;
    try {
      filter = parseVerdictFilter(url.searchParams);
    } catch (err) {
      if (err instanceof VerdictFilterError) return sendError(res, 400, "invalid_filter", err.message);
      throw err;
    }
    const records = log.query(filter);
    if (url.searchParams.get("format") === "csv") sendText(res, 200, toCsv(records), "text/csv; charset=utf-8");
    else sendJson(res, 200, { verdicts: records, count: records.length, capacity: log.capacity });
  };
}
