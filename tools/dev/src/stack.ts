import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import type { ProcessSpec } from "./supervisor.js";

/** The six services of DESIGN.md, in start order. */
export const SERVICES = ["template-verifier", "share-forwarder", "miner-edge", "relay-node", "relay-gateway", "orchestrator"] as const;
export type ServiceName = (typeof SERVICES)[number];

const COLOURS = ["36", "35", "33", "34", "32", "96", "95", "93"];

export interface StackOptions {
  root: string;
  natsUrl: string;
  redisUrl: string;
  /** Added to every listen port (`addr` / `*_addr` keys) of the dev configs, so a second stack can run beside the first. */
  portsOffset: number;
  subjectRoot: string;
  /** Prefix of every JetStream stream name, so a second stack never shares the first one's streams. */
  streamPrefix: string;
  services: readonly ServiceName[];
}

export interface ServicePlan {
  spec: ProcessSpec;
  /** Endpoints to print: name → URL. */
  endpoints: Record<string, string>;
}

function envName(service: string, key: string): string {
  return `GH_${service.toUpperCase().replace(/-/g, "_")}_${key.toUpperCase()}`;
}

function shiftPort(addr: string, offset: number): string {
  const match = /^(.*):(\d+)$/.exec(addr);
  return match ? `${match[1]}:${Number(match[2]) + offset}` : addr;
}

/** Every `addr` / `*_addr` key holding host:port, at any depth (e.g. `http_addr`, `api.addr`). */
function listenAddresses(table: Record<string, unknown>, path: string[] = []): { path: string[]; value: string }[] {
  return Object.entries(table).flatMap(([key, value]) => {
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return listenAddresses(value as Record<string, unknown>, [...path, key]);
    return (key === "addr" || key.endsWith("_addr")) && typeof value === "string" && /:\d+$/.test(value)
      ? [{ path: [...path, key], value }]
      : [];
  });
}

/** Process specs for the services, from each one's `config/dev.toml` plus environment overrides. */
export function planServices(options: StackOptions): ServicePlan[] {
  return options.services.map((service, index) => {
    const configPath = join(options.root, "services", service, "config", "dev.toml");
    const config = parseToml(readFileSync(configPath, "utf8")) as Record<string, unknown>;
    const env: Record<string, string> = {
      [envName(service, "nats_url")]: options.natsUrl,
      [envName(service, "nats_subject_root")]: options.subjectRoot,
      [envName(service, "nats_stream_prefix")]: options.streamPrefix,
    };
    if (typeof config.redis === "object") {
      env[envName(service, "redis_url")] = options.redisUrl;
      env[envName(service, "redis_key_prefix")] = `${options.subjectRoot}:`;
    }
    const endpoints: Record<string, string> = {};
    for (const { path, value } of listenAddresses(config)) {
      const shifted = shiftPort(value, options.portsOffset);
      if (shifted !== value) env[envName(service, path.join("_"))] = shifted;
      endpoints[path.join("_").replace(/_?addr$/, "") || "addr"] = shifted;
    }
    const ops = endpoints.http ? `http://${endpoints.http}` : undefined;
    return {
      spec: {
        name: service,
        command: process.execPath,
        args: [join(options.root, "services", service, "dist", "main.js"), "--config", configPath],
        env,
        cwd: options.root,
        colour: COLOURS[index % COLOURS.length] as string,
        ...(ops ? { readyUrl: `${ops}/readyz` } : {}),
      },
      endpoints,
    };
  });
}
