#!/usr/bin/env node
// Launcher for `npx gatehouse`: in a repository checkout it brings the build up to date first
// (incremental, a no-op when nothing changed), then runs the compiled command.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
if (existsSync(tsc) && !process.env.GH_CLI_NO_BUILD) {
  try {
    execFileSync(tsc, ["-b", join(here, "..")], { stdio: ["ignore", "ignore", "inherit"] });
  } catch {
    process.stderr.write("gatehouse: build failed (see above)\n");
    process.exit(1);
  }
}
await import(join(here, "..", "dist", "main.js"));
