// `make check-containers`: the image build arguments docker-compose.yml gives one service
// (SERVICE, OPS_PORT, PORTS), printed one `--build-arg=KEY=VALUE` per line for the engine's
// `build`, so the container check builds each image exactly as compose would.
// usage: node tools/check-deploy/dist/build-args.js <service> [compose file]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export class BuildArgsError extends Error {
  override name = "BuildArgsError";
}

/** `--build-arg=KEY=VALUE` for each entry of `services.<service>.build.args` in a compose file. */
export function buildArgs(composeText: string, service: string): string[] {
  const compose = parse(composeText) as { services?: Record<string, { build?: { args?: Record<string, unknown> } }> };
  const entry = compose.services?.[service];
  if (!entry) throw new BuildArgsError(`service ${service} is not in the compose file`);
  const args = entry.build?.args;
  if (!args) throw new BuildArgsError(`service ${service} has no build.args`);
  return Object.entries(args).map(([key, value]) => `--build-arg=${key}=${String(value)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [service, file = "docker-compose.yml"] = process.argv.slice(2);
  try {
    if (!service) throw new BuildArgsError("usage: build-args.js <service> [compose file]");
    process.stdout.write(`${buildArgs(readFileSync(file, "utf8"), service).join("\n")}\n`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}
