// The repository's commands work on a fresh clone: every `bin` of every workspace is a committed,
// executable launcher (not a dist/ file, which exists only after a build and which tsc writes
// without the execute bit), and runs through node_modules/.bin as `npx <name>` does.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@gatehouse/testkit";
import { describe, expect, it } from "@jest/globals";

const root = repoRoot();
const workspaces = ["libs", "services", "tools"].flatMap((dir) =>
  readdirSync(join(root, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(dir, e.name)),
);
const bins = workspaces.flatMap((ws) => {
  let pkg: { bin?: Record<string, string> };
  try {
    pkg = JSON.parse(readFileSync(join(root, ws, "package.json"), "utf8"));
  } catch {
    return [];
  }
  return Object.entries(pkg.bin ?? {}).map(([name, target]) => ({ name, path: join(ws, target) }));
});

describe("workspace commands", () => {
  it("finds the commands the README shows", () => {
    expect(bins.map((b) => b.name).sort()).toEqual(expect.arrayContaining(["gatehouse", "gatehouse-loadgen", "gatehouse-pool-backend"]));
  });

  it.each(bins)("$name is a committed, executable node script outside dist/", ({ path }) => {
    expect(path).not.toMatch(/\/dist\//);
    // Mode as git records it: what a fresh clone checks out.
    const [mode] = execFileSync("git", ["ls-files", "--stage", "--", path], { cwd: root, encoding: "utf8" }).split(" ");
    expect(mode).toBe("100755");
    expect(readFileSync(join(root, path), "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
  });

  it.each(bins)("$name runs through node_modules/.bin", ({ name }) => {
    const run = spawnSync(join(root, "node_modules", ".bin", name), ["--help"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, GH_CLI_NO_BUILD: "1" },
      timeout: 60_000,
    });
    expect(run.error).toBeUndefined();
    expect(`${run.stdout}${run.stderr}`).toMatch(/usage/i);
  });
});
