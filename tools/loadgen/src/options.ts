import { parseArgs } from "node:util";
import { BAD_KINDS, type BadKind, type BadMix } from "./bad-shares.js";

/** Everything a load generator run needs; the CLI builds it from flags, tests pass it directly. */
export interface LoadgenOptions {
  host: string;
  port: number;
  /** base58check authority public key; undefined only together with plaintext. */
  authorityKey: string | undefined;
  plaintext: boolean;
  connections: number;
  /** Shares per second per connection; 0 = as fast as the hashing finds them. */
  rate: number;
  /** Worker identity prefix; connection i opens its channel as `<worker>.<i>`. */
  worker: string;
  /** Open extended channels (the miner rolls its own extranonce) instead of standard ones. */
  extended: boolean;
  /** 0 = run until stopped. */
  durationS: number;
  /** Fraction of submissions that are deliberately bad, per kind. */
  bad: BadMix;
  /** Unanswered shares per connection before it waits for answers. */
  window: number;
  reconnect: boolean;
  /** Nominal hash rate announced when opening the channel (h/s). */
  nominalHashRate: number;
  /** A share not answered within this long counts as unanswered. */
  ackTimeoutMs: number;
}

export interface CliOptions extends LoadgenOptions {
  reportIntervalS: number;
  json: boolean;
}

export const DEFAULTS = {
  connections: 1,
  rate: 1,
  worker: "loadgen",
  durationS: 0,
  window: 64,
  nominalHashRate: 1e6,
  ackTimeoutMs: 30_000,
  reportIntervalS: 10,
} as const;

/** A command line loadgen cannot run; main prints the message and exits 64. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** `host:port`, `tcp://host:port` or `[v6]:port`. */
export function parseUrl(url: string): { host: string; port: number } {
  const bare = url.replace(/^(tcp|stratum2?\+tcp|sv2):\/\//, "");
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(bare);
  const port = Number(match?.[2]);
  if (!match?.[1] || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`--url ${JSON.stringify(url)} is not host:port`);
  }
  return { host: match[1], port };
}

/** `stale=0.05,replay=0.01`: each kind at most once, fractions summing to at most 1. */
export function parseBadMix(spec: string): BadMix {
  const mix: BadMix = {};
  let total = 0;
  for (const part of spec.split(",").map((p) => p.trim())) {
    if (!part) continue;
    const [name, value] = part.split("=", 2);
    const kind = (name ?? "").trim().replace(/-/g, "_") as BadKind;
    if (!BAD_KINDS.includes(kind)) throw new UsageError(`--bad: unknown kind ${JSON.stringify(name)} (kinds: ${BAD_KINDS.join(", ")})`);
    if (kind in mix) throw new UsageError(`--bad: ${kind} given twice`);
    const fraction = Number(value);
    if (value === undefined || !Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
      throw new UsageError(`--bad: ${kind} needs a fraction between 0 and 1, got ${JSON.stringify(value)}`);
    }
    mix[kind] = fraction;
    total += fraction;
  }
  if (total > 1 + 1e-9) throw new UsageError(`--bad: fractions sum to ${total}, more than 1`);
  return mix;
}

function number(flag: string, raw: string | undefined, fallback: number, check: (n: number) => boolean, what: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${flag} must be ${what}, got ${JSON.stringify(raw)}`);
  return n;
}

export const USAGE = `usage: gatehouse-loadgen --url HOST:PORT (--authority-key KEY|FILE | --plaintext) [options]
  --url HOST:PORT            the edge's SV2 listener
  --authority-key KEY|FILE   base58check authority public key, or a file holding it
  --plaintext                no Noise (the edge must run with transport = "plaintext" and GH_ALLOW_PLAINTEXT)
  --connections N            concurrent miner connections (default ${DEFAULTS.connections})
  --rate R                   shares/s per connection, paced; 0 = as fast as found (default ${DEFAULTS.rate})
  --max                      same as --rate 0
  --worker NAME              identity prefix; connection i mines as NAME.i (default ${DEFAULTS.worker})
  --extended                 open extended channels and roll the miner's extranonce
  --duration-s S             stop after S seconds; 0 = until SIGINT/SIGTERM (default 0)
  --bad KIND=F,...           bad-share fractions; kinds: ${BAD_KINDS.join(", ")}
  --window N                 unanswered shares per connection before waiting (default ${DEFAULTS.window})
  --nominal-hashrate H       announced in OpenMiningChannel (default ${DEFAULTS.nominalHashRate})
  --no-reconnect             end a connection's run when it drops instead of reconnecting
  --report-interval-s S      one-line JSON progress every S seconds; 0 = none (default ${DEFAULTS.reportIntervalS})
  --json                     final report as one JSON line (default: indented JSON)`;

/** Parses argv into options; the authority key is returned as given (a key or a path, see resolveAuthorityKey). */
export function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: "string" },
      "authority-key": { type: "string" },
      plaintext: { type: "boolean", default: false },
      connections: { type: "string" },
      rate: { type: "string" },
      max: { type: "boolean", default: false },
      worker: { type: "string" },
      extended: { type: "boolean", default: false },
      "duration-s": { type: "string" },
      bad: { type: "string" },
      window: { type: "string" },
      "nominal-hashrate": { type: "string" },
      "no-reconnect": { type: "boolean", default: false },
      "report-interval-s": { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: false,
    strict: true,
  });
  if (values.help) throw new UsageError(USAGE);
  if (!values.url) throw new UsageError("--url is required");
  const { host, port } = parseUrl(values.url);
  if (!values.plaintext && !values["authority-key"]) throw new UsageError("--authority-key is required unless --plaintext");
  const rate = values.max ? 0 : number("rate", values.rate, DEFAULTS.rate, (n) => n >= 0, "a number ≥ 0");
  const worker = values.worker ?? DEFAULTS.worker;
  if (!worker || Buffer.byteLength(worker) > 200) throw new UsageError("--worker must be 1..200 bytes");
  return {
    host,
    port,
    authorityKey: values.plaintext ? undefined : values["authority-key"],
    plaintext: values.plaintext ?? false,
    connections: number("connections", values.connections, DEFAULTS.connections, (n) => Number.isInteger(n) && n >= 1, "an integer ≥ 1"),
    rate,
    worker,
    extended: values.extended ?? false,
    durationS: number("duration-s", values["duration-s"], DEFAULTS.durationS, (n) => n >= 0, "a number ≥ 0"),
    bad: parseBadMix(values.bad ?? ""),
    window: number("window", values.window, DEFAULTS.window, (n) => Number.isInteger(n) && n >= 1 && n <= 10_000, "an integer 1..10000"),
    reconnect: !values["no-reconnect"],
    nominalHashRate: number("nominal-hashrate", values["nominal-hashrate"], DEFAULTS.nominalHashRate, (n) => n >= 0, "a number ≥ 0"),
    ackTimeoutMs: DEFAULTS.ackTimeoutMs,
    reportIntervalS: number("report-interval-s", values["report-interval-s"], DEFAULTS.reportIntervalS, (n) => n >= 0, "a number ≥ 0"),
    json: values.json ?? false,
  };
}
