// `make check-deploy`: each Gatehouse service's configuration in a docker-compose setup (its
// GH_<SERVICE>_* environment, plus the --config file it is given: from a bind-mounted host
// directory when one holds it, else resolved in the repository as the image lays it out) must pass
// that service's own config schema, and every unsafe setting in it must have its safety flag set,
// or the container would exit 78 at start. `--env-file <file>` before the compose files supplies
// their variables.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ConfigError, loadConfig, refusedSettings, type UnsafeSetting } from "@gatehouse/service";
import { parse } from "yaml";
import type { z } from "zod";

interface ComposeService {
  environment?: Record<string, string | null>;
  command?: string[];
  entrypoint?: string[];
  volumes?: Array<{ type: string; source?: string; target: string } | string>;
}

/** The --config argument of a compose command, if any. */
export function configArgument(command: string[] | undefined): string | undefined {
  const index = (command ?? []).indexOf("--config");
  return index >= 0 ? command?.[index + 1] : undefined;
}

/** Where a container path lies on the host: under a bind mount's source, else in the repository (the image's /app). */
export function hostPath(root: string, volumes: ComposeService["volumes"], path: string): string {
  for (const volume of volumes ?? []) {
    // docker-compose 1.29 renders the short form "source:target[:mode]"; a bind's source is a path.
    const [source, target] =
      typeof volume === "string" ? volume.split(":") : [volume.type === "bind" ? volume.source : undefined, volume.target];
    if (!source || !target || !isAbsolute(source)) continue;
    const dir = target.replace(/\/+$/, "");
    if (path.startsWith(`${dir}/`)) return join(source, path.slice(dir.length + 1));
  }
  return isAbsolute(path) ? path : join(root, path);
}

export async function composeProblems(root: string, files: string[], services: string[], envFile?: string): Promise<string[]> {
  const args = [...(envFile ? ["--env-file", envFile] : []), ...files.flatMap((f) => ["-f", f]), "config"];
  const rendered = execFileSync("docker-compose", args, { cwd: root, encoding: "utf8" });
  const compose = parse(rendered) as { services: Record<string, ComposeService> };
  const problems: string[] = [];
  for (const service of services) {
    const entry = compose.services[service];
    if (!entry) {
      problems.push(`${service}: not in ${files.join(" + ")}`);
      continue;
    }
    const env = Object.fromEntries(Object.entries(entry.environment ?? {}).map(([k, v]) => [k, v ?? ""]));
    const file = configArgument(entry.command);
    const module = (await import(pathToFileURL(join(root, "services", service, "dist", "config.js")).href)) as { configSchema: z.ZodType };
    try {
      const config = loadConfig(module.configSchema, { service, env, ...(file ? { file: hostPath(root, entry.volumes, file) } : {}) });
      const definition = (await import(pathToFileURL(join(root, "services", service, "dist", "service.js")).href)) as {
        service: { unsafe?: (config: unknown) => UnsafeSetting[] };
      };
      for (const line of refusedSettings(definition.service.unsafe?.(config) ?? [], env))
        problems.push(`${files.join(" + ")} ${service}: ${line}`);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const line of err.problems) problems.push(`${files.join(" + ")} ${service}: ${line}`);
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
  const services = readdirSync(join(root, "services")).filter((name) => existsSync(join(root, "services", name, "package.json")));
  const args = process.argv.slice(2);
  const envFile = args[0] === "--env-file" ? args[1] : undefined;
  const files = envFile ? args.slice(2) : args;
  const problems = await composeProblems(root, files, services, envFile);
  for (const line of problems) process.stderr.write(`${line}\n`);
  if (problems.length === 0) process.stdout.write(`compose: ${files.join(" + ")} gives every service a valid configuration\n`);
  process.exit(problems.length > 0 ? 1 : 0);
}
