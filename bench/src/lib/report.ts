import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

export interface BenchReport {
  benchmark: string;
  [figure: string]: unknown;
}

/** Prints the report as one JSON document and keeps a copy in bench/results/. */
export function emit(report: BenchReport): void {
  const full = {
    ...report,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "", memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    at: new Date().toISOString(),
  };
  const text = JSON.stringify(full, null, 2);
  process.stdout.write(`${text}\n`);
  const dir = join(process.cwd(), "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${report.benchmark.replace(/[^a-z0-9-]+/gi, "_")}.json`), text);
}
