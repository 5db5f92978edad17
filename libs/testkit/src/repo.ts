import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { TestEnvironmentError } from "./errors.js";

/** The repository root: the nearest ancestor whose package.json declares workspaces. */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).workspaces) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new TestEnvironmentError(`no repository root above ${from}`);
    dir = parent;
  }
}
