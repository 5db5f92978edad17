// Every outbound URL of every service goes through the one unsafe-setting rule: plain http to a
// non-loopback host is refused at start unless GH_ALLOW_INSECURE_HTTP_UPSTREAM is set. The keys are
// enumerated from the services' config schemas, so a new URL key fails here until its service
// routes it through `insecureHttpUpstream` (and it is added to ACTIVATION below).
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { SafetyFlag, type UnsafeSetting } from "@gatehouse/service";
import { repoRoot } from "@gatehouse/testkit";
import { describe, expect, it } from "@jest/globals";
import { configKeys, type ZodNode } from "./config-reference.js";

interface Schema extends ZodNode {
  parse(value: unknown): unknown;
}

/** A key whose value is a URL (or a list of them): by name, as every service names them. */
const URL_KEY = /(^|_)urls?$/;

/** URL keys that are not HTTP upstreams, and why the HTTP rule does not apply to them. */
const NOT_HTTP: Record<string, string> = {
  "nats.url": "nats:// (the bus: its credentials and TLS are the nats section's own settings)",
  "redis.url": "redis:// (its credentials and TLS are in the URL itself)",
  "store.postgres_url": "postgres:// (its credentials and TLS, sslmode, are in the connection string itself)",
};

/**
 * For each HTTP URL key, the smallest valid configuration of its service under which the service
 * dials that URL (the key itself is then set by the test).
 */
const ACTIVATION: Record<string, Record<string, unknown>> = {
  "orchestrator:chain.rpc_url": {},
  "orchestrator:evidence.arweave.gateway_url": { evidence: { store: "arweave", arweave: { wallet_file: "/nonexistent/wallet.json" } } },
  "template-verifier:upstream_url": { payout_script: "0014".padEnd(44, "0") },
  "share-forwarder:share_upstream_url": { mode: "shadow", share_upstream_secret: `whsec_${Buffer.alloc(24, 1).toString("base64")}` },
  "relay-node:http_capability_url": {
    dev_key_seed: "outbound-urls",
    attestation: { mode: "dev", dev_enclave_addresses: [`0x${"1".repeat(40)}`] },
  },
};

const root = repoRoot();
const services = readdirSync(join(root, "services"))
  .filter((name) => existsSync(join(root, "services", name, "package.json")))
  .sort();

/** The part of a service definition this test calls. */
interface Definition {
  unsafe?: (config: never) => UnsafeSetting[];
}

async function load(service: string): Promise<{ schema: Schema; definition: Definition }> {
  const dist = (file: string) => pathToFileURL(join(root, "services", service, "dist", file)).href;
  const { configSchema } = (await import(dist("config.js"))) as { configSchema: Schema };
  const { service: definition } = (await import(dist("service.js"))) as { service: Definition };
  return { schema: configSchema, definition };
}

/** `value` at `path` inside a copy of `base`. */
function withKey(base: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) return { ...base, [head]: value };
  return { ...base, [head]: withKey((base[head] as Record<string, unknown>) ?? {}, rest, value) };
}

async function httpUrlKeys(): Promise<string[]> {
  const found: string[] = [];
  for (const service of services) {
    const { schema } = await load(service);
    for (const key of configKeys(schema)) {
      const name = key.path.join(".");
      if (URL_KEY.test(key.path[key.path.length - 1] as string) && !(name in NOT_HTTP)) found.push(`${service}:${name}`);
    }
  }
  return found.sort();
}

describe("outbound URLs", () => {
  it("every HTTP URL key of every service's config schema is listed here (a new one must go through the rule)", async () => {
    expect(await httpUrlKeys()).toEqual(Object.keys(ACTIVATION).sort());
  });

  it.each(Object.entries(ACTIVATION))(
    "%s: plain http to another host needs GH_ALLOW_INSECURE_HTTP_UPSTREAM; https or loopback does not",
    async (id, activation) => {
      const [service, name] = id.split(":") as [string, string];
      const { schema, definition } = await load(service);
      const problems = (url: string) => {
        const config = schema.parse(withKey(activation, name.split("."), url));
        return (definition.unsafe?.(config as never) ?? []).filter((s) => s.flag === SafetyFlag.insecureHttpUpstream).map((s) => s.problem);
      };
      expect(problems("http://198.51.100.7:8080")).toEqual([`${name} http://198.51.100.7:8080 is plain http to a non-loopback host`]);
      expect(problems("https://198.51.100.7:8080")).toEqual([]);
      expect(problems("http://127.0.0.1:8080")).toEqual([]);
    },
  );
});
