import { apiKeyMatches } from "@gatehouse/service";

/** An API key as configured: a bare key, or one limited to some signers and studios. */
export type ApiKeyConfig = string | { key: string; signers?: readonly string[] | undefined; studios?: readonly string[] | undefined };

/** What a presented key may do; `undefined` sets mean "any". Addresses are lower case. */
export interface ApiKeyGrant {
  key: string;
  signers?: ReadonlySet<string>;
  studios?: ReadonlySet<string>;
}

const lowerSet = (values: readonly string[] | undefined) => (values ? new Set(values.map((v) => v.toLowerCase())) : undefined);

export function toGrants(keys: readonly ApiKeyConfig[]): ApiKeyGrant[] {
  return keys.map((k) => {
    if (typeof k === "string") return { key: k };
    const signers = lowerSet(k.signers);
    const studios = lowerSet(k.studios);
    return { key: k.key, ...(signers ? { signers } : {}), ...(studios ? { studios } : {}) };
  });
}

/** The grant of the presented key, compared in constant time; undefined when it matches none. */
export function findGrant(grants: readonly ApiKeyGrant[], presented: string | undefined): ApiKeyGrant | undefined {
  return grants.find((g) => apiKeyMatches(presented, g.key));
}

/** Why `grant` may not act for these signers on this studio, or undefined when it may. */
export function scopeRefusal(grant: ApiKeyGrant, request: { signers: readonly string[]; studio: string }): string | undefined {
  const outside = request.signers.find((s) => grant.signers && !grant.signers.has(s.toLowerCase()));
  if (outside) return `this API key may not use signer ${outside}`;
  if (grant.studios && !grant.studios.has(request.studio.toLowerCase())) return `this API key may not act on studio ${request.studio}`;
  return undefined;
}
