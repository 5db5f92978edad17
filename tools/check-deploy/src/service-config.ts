import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError, envPrefix, loadConfig, refusedSettings, type UnsafeSetting } from "@gatehouse/service";
import type { z } from "zod";
import type { Resource } from "./render.js";

/** What a Secret may hold for one variable: a text value, or a TOML list of them for list keys. */
const PLACEHOLDERS = ["placeholder-from-secret", '["placeholder-from-secret"]'];

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: unknown };
}

/**
 * Checks each service's `config.toml` in its ConfigMap, with the environment its Deployment sets,
 * against that service's own config schema and unsafe-settings check (from its build), so a
 * manifest can never ship a configuration the service would refuse at start. Values that come
 * from Secrets at run time are supplied as placeholders (a text or a list, whichever the key takes).
 */
export async function serviceConfigProblems(root: string, resources: Resource[], services: string[]): Promise<string[]> {
  const problems: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "gh-check-deploy-"));
  for (const service of services) {
    const configMap = resources.find((r) => r.kind === "ConfigMap" && r.metadata.name === `${service}-config`);
    const toml = (configMap?.data as Record<string, string> | undefined)?.["config.toml"];
    if (!toml) {
      problems.push(`service ${service}: ConfigMap ${service}-config has no config.toml`);
      continue;
    }
    const file = join(dir, `${service}.toml`);
    writeFileSync(file, toml);
    const dist = join(root, "services", service, "dist");
    const { configSchema } = (await import(pathToFileURL(join(dist, "config.js")).href)) as { configSchema: z.ZodType };
    const { service: definition } = (await import(pathToFileURL(join(dist, "service.js")).href)) as {
      service: { unsafe?: (config: unknown) => UnsafeSetting[] };
    };
    const { plain, secret } = deploymentEnv(resources, service);
    const attempt = (env: Record<string, string>): string[] => {
      try {
        const config = loadConfig(configSchema, { service, file, env });
        return refusedSettings(definition.unsafe?.(config) ?? [], env);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return err.problems;
      }
    };
    // Each secret variable gets the placeholder shape that its key accepts.
    const env: Record<string, string> = { ...plain, ...Object.fromEntries(secret.map((name) => [name, PLACEHOLDERS[0] as string])) };
    for (const name of secret) {
      const best = PLACEHOLDERS.map((value) => ({ value, count: attempt({ ...env, [name]: value }).length })).sort(
        (a, b) => a.count - b.count,
      )[0];
      if (best) env[name] = best.value;
    }
    for (const line of attempt(env)) problems.push(`ConfigMap/${service}-config + Deployment/${service}: ${line}`);
  }
  return problems;
}

/** The literal variables a service's Deployment sets, and the GH_<SERVICE>_* ones it sets from Secrets. */
function deploymentEnv(resources: Resource[], service: string): { plain: Record<string, string>; secret: string[] } {
  const deployment = resources.find((r) => r.kind === "Deployment" && r.metadata.name === service);
  const containers = (deployment?.spec as { template?: { spec?: { containers?: { env?: EnvVar[] }[] } } } | undefined)?.template?.spec
    ?.containers;
  const vars = containers?.[0]?.env ?? [];
  const prefix = envPrefix(service);
  return {
    plain: Object.fromEntries(vars.filter((v) => v.value !== undefined).map((v) => [v.name, v.value as string])),
    secret: vars.filter((v) => v.valueFrom?.secretKeyRef && v.name.startsWith(prefix)).map((v) => v.name),
  };
}
