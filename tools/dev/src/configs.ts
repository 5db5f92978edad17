import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { SERVICES, type ServiceName, type TomlTable } from "./layout.js";

/** This repository's root (tools/dev/{src,dist}/stack → ../../..). */
export function repositoryRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
}

export function loadDevConfigs(root: string): Record<ServiceName, TomlTable> {
  return Object.fromEntries(
    SERVICES.map((service) => [
      service,
      parseToml(readFileSync(join(root, "services", service, "config", "dev.toml"), "utf8")) as TomlTable,
    ]),
  ) as Record<ServiceName, TomlTable>;
}
