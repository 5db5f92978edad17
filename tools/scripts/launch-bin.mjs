// The one launcher behind the repository's commands (`npx gatehouse`, `npx gatehouse-loadgen`,
// `npx gatehouse-pool-backend`): the committed, executable bin/ file of a workspace calls it, so
// the command works on a fresh clone. In a checkout it first brings the workspace's build up to
// date (incremental `tsc -b`, a no-op when nothing changed; GH_CLI_NO_BUILD=1 skips it), then runs
// the compiled entry point. A bin pointing at dist/ directly would not exist before the first
// build and would lack the execute bit (tsc does not set it).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Builds `packageDir` (with its references) if a TypeScript compiler is at hand, then imports its dist/main.js. */
export async function launch(packageDir, name) {
  const root = join(packageDir, "..", "..");
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  if (existsSync(tsc) && !process.env.GH_CLI_NO_BUILD) {
    try {
      execFileSync(process.execPath, [tsc, "-b", packageDir], { stdio: ["ignore", "ignore", "inherit"] });
    } catch {
      process.stderr.write(`${name}: build failed (see above)\n`);
      process.exit(1);
    }
  }
  await import(pathToFileURL(join(packageDir, "dist", "main.js")).href);
}
