import { isLoopback, parseHostPort } from "../net.js";

/**
 * The `*_ALLOW_*` safety flags. A setting that weakens a security boundary is refused at start
 * unless its flag is set in the environment. ReserveGrid OS's `VELDRA_*` names are aliases of `GH_*`.
 */
export const SafetyFlag = {
  noApiKey: "ALLOW_NO_API_KEY",
  plaintext: "ALLOW_PLAINTEXT",
  openAuth: "GATEWAY_ALLOW_OPEN_AUTH",
  dropOldInline: "ALLOW_DROP_OLD_INLINE",
  insecureHttpUpstream: "ALLOW_INSECURE_HTTP_UPSTREAM",
  noShareUpstreamReadyInline: "ALLOW_NO_SHARE_UPSTREAM_READY_INLINE",
} as const;

export type SafetyFlagName = (typeof SafetyFlag)[keyof typeof SafetyFlag] | (string & {});

/** An unsafe setting and the flag that would allow it. */
export interface UnsafeSetting {
  flag: SafetyFlagName;
  problem: string;
}

const TRUE = new Set(["1", "true", "yes", "on"]);

/** The environment variables that set a flag, preferred first. */
export function flagVariables(flag: SafetyFlagName): string[] {
  return [`GH_${flag}`, `VELDRA_${flag}`];
}

export function isAllowed(flag: SafetyFlagName, env: NodeJS.ProcessEnv = process.env): boolean {
  return flagVariables(flag).some((name) => TRUE.has((env[name] ?? "").trim().toLowerCase()));
}

/** One line per unsafe setting whose flag is not set. */
export function refusedSettings(settings: UnsafeSetting[], env: NodeJS.ProcessEnv = process.env): string[] {
  return settings.filter((s) => !isAllowed(s.flag, env)).map((s) => `unsafe configuration: ${s.problem} (set GH_${s.flag}=1 to allow)`);
}

/**
 * A plain-http URL to another machine: what travels over it can be read and changed on the way.
 * `key` names the setting in the problem line.
 */
export function insecureHttpUpstream(key: string, url: string | undefined): UnsafeSetting[] {
  if (!url) return [];
  const parsed = new URL(url);
  return parsed.protocol === "http:" && !isLoopback(parsed.hostname.replace(/^\[|\]$/g, ""))
    ? [{ flag: SafetyFlag.insecureHttpUpstream, problem: `${key} ${parsed.origin} is plain http to a non-loopback host` }]
    : [];
}

/** A listener off loopback: `problem` says what it would expose there. */
export function offLoopback(addr: string, flag: SafetyFlagName, problem: string): UnsafeSetting[] {
  return isLoopback(parseHostPort(addr).host) ? [] : [{ flag, problem }];
}
