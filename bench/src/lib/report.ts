import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

export interface BenchReport {
  benchmark: string;
  [figure: string]: unknown;
}

/** The source a run measured: the commit, and whether the work tree differed from it. */
export interface Revision {
  commit: string;
  dirty: boolean;
}

export function currentRevision(): Revision {
  const git = (...args: string[]) => execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    return { commit: git("rev-parse", "HEAD"), dirty: git("status", "--porcelain", "--untracked-files=no").length > 0 };
  } catch {
    return { commit: "unknown", dirty: true };
  }
}

/** The folder under bench/results/ a revision's reports go to: `<12 hex>` or `<12 hex>-dirty`. */
export function resultsFolder(revision: Revision): string {
  return `${revision.commit.slice(0, 12)}${revision.dirty ? "-dirty" : ""}`;
}

/**
 * Prints the report as one JSON document and keeps a copy in bench/results/<revision>/ (what
 * `bench-compare` reads) and bench/results/ (the latest of each benchmark).
 */
export function emit(report: BenchReport): void {
  const revision = currentRevision();
  const full = {
    ...report,
    revision,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "", memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    at: new Date().toISOString(),
  };
  const text = JSON.stringify(full, null, 2);
  process.stdout.write(`${text}\n`);
  const file = `${report.benchmark.replace(/[^a-z0-9-]+/gi, "_")}.json`;
  const root = join(process.cwd(), "bench", "results");
  const byRevision = join(root, resultsFolder(revision));
  mkdirSync(byRevision, { recursive: true });
  writeFileSync(join(byRevision, file), text);
  writeFileSync(join(root, file), text);
}
