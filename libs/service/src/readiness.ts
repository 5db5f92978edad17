import { InvariantError } from "./errors.js";

/** A dependency probe: resolves ok or with the reason it is not. */
export type ReadinessProbe = () => { ok: boolean; reason?: string } | Promise<{ ok: boolean; reason?: string }>;

export interface CheckResult {
  name: string;
  ok: boolean;
  reason: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: CheckResult[];
}

const PROBE_TIMEOUT_MS = 2_000;

/**
 * The set of dependency probes behind /readyz. The service is ready when it has finished
 * starting, is not shutting down, and every probe passes within its time limit.
 */
export class Readiness {
  readonly #probes = new Map<string, ReadinessProbe>();
  #started = false;
  #stopping = false;

  add(name: string, probe: ReadinessProbe): void {
    if (this.#probes.has(name)) throw new InvariantError(`readiness probe ${name} registered twice`);
    this.#probes.set(name, probe);
  }

  markStarted(): void {
    this.#started = true;
  }

  markStopping(): void {
    this.#stopping = true;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  async evaluate(): Promise<ReadinessReport> {
    const checks = await Promise.all([...this.#probes].map(([name, probe]) => runProbe(name, probe)));
    if (!this.#started) checks.unshift({ name: "startup", ok: false, reason: "starting" });
    if (this.#stopping) checks.unshift({ name: "shutdown", ok: false, reason: "shutting down" });
    return { ready: checks.every((c) => c.ok), checks };
  }
}

async function runProbe(name: string, probe: ReadinessProbe): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: boolean; reason: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${PROBE_TIMEOUT_MS} ms` }), PROBE_TIMEOUT_MS);
  });
  try {
    const result = await Promise.race([Promise.resolve().then(probe), timeout]);
    return { name, ok: result.ok, reason: result.ok ? "" : (result.reason ?? "not ok") };
  } catch (err) {
    return { name, ok: false, reason: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
