import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError, envPrefix, loadConfig } from "@gatehouse/service";
import type { z } from "zod";
import type { Resource } from "./render.js";

/**
 * Checks each service's `config.toml` in its ConfigMap against that service's own config schema
 * (from its build), so a manifest can never ship a key the service would refuse at start.
 * Values that come from Secrets at run time are supplied as placeholders.
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
    const module = (await import(pathToFileURL(join(root, "services", service, "dist", "config.js")).href)) as { configSchema: z.ZodType };
    const secretEnv = Object.fromEntries(secretVariables(resources, service).map((name) => [name, "placeholder-from-secret"]));
    try {
      loadConfig(module.configSchema, { service, file, env: secretEnv });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const line of err.problems) problems.push(`ConfigMap/${service}-config: ${line}`);
    }
  }
  return problems;
}

/** The GH_<SERVICE>_* variables a service's Deployment sets from Secrets. */
function secretVariables(resources: Resource[], service: string): string[] {
  const deployment = resources.find((r) => r.kind === "Deployment" && r.metadata.name === service);
  const text = JSON.stringify(deployment ?? {});
  const prefix = envPrefix(service);
  return [...text.matchAll(/"name":"(GH_[A-Z_]+)","valueFrom":\{"secretKeyRef"/g)]
    .map((m) => m[1] as string)
    .filter((n) => n.startsWith(prefix));
}
