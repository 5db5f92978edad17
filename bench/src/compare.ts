// `make bench-compare A=<rev> B=<rev>`: two benchmark result sets side by side. A and B are each a
// revision (a commit prefix naming a folder under bench/results/, as the benchmarks write them) or
// a folder path; every benchmark present in either is printed, figure by figure, with B/A.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { BenchUsageError } from "./lib/errors.js";
import { compareReports } from "./lib/flatten.js";

const RESULTS = join(process.cwd(), "bench", "results");

function resolveSet(name: string): string {
  if (existsSync(name) && statSync(name).isDirectory()) return name;
  const folders = existsSync(RESULTS) ? readdirSync(RESULTS).filter((f) => statSync(join(RESULTS, f)).isDirectory()) : [];
  const matches = folders.filter((f) => f.startsWith(name.toLowerCase()));
  if (matches.length === 1) return join(RESULTS, matches[0] as string);
  if (matches.length === 0)
    throw new BenchUsageError(`no results for "${name}" under bench/results/ (have: ${folders.join(", ") || "none"})`);
  throw new BenchUsageError(`"${name}" names several result sets: ${matches.join(", ")}`);
}

function reports(folder: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const file of readdirSync(folder)
    .filter((f) => f.endsWith(".json"))
    .sort())
    out.set(file.replace(/\.json$/, ""), JSON.parse(readFileSync(join(folder, file), "utf8")));
  return out;
}

function cell(value: number | undefined): string {
  if (value === undefined) return "–";
  return Math.abs(value) >= 100 || Number.isInteger(value) ? String(Math.round(value)) : value.toPrecision(4);
}

const [a, b] = process.argv.slice(2);
if (!a || !b) throw new BenchUsageError("usage: node bench/dist/compare.js <revision-or-folder A> <revision-or-folder B>");
const [setA, setB] = [resolveSet(a), resolveSet(b)];
const [left, right] = [reports(setA), reports(setB)];
process.stdout.write(`A = ${setA}\nB = ${setB}\n`);
for (const name of [...new Set([...left.keys(), ...right.keys()])]) {
  const rows = compareReports(left.get(name), right.get(name));
  const width = Math.max(6, ...rows.map((r) => r.figure.length));
  process.stdout.write(`\n## ${name}\n${"figure".padEnd(width)}  ${"A".padStart(12)}  ${"B".padStart(12)}  ${"B/A".padStart(7)}\n`);
  for (const row of rows)
    process.stdout.write(
      `${row.figure.padEnd(width)}  ${cell(row.a).padStart(12)}  ${cell(row.b).padStart(12)}  ${(row.ratio === undefined ? "–" : row.ratio.toFixed(2)).padStart(7)}\n`,
    );
}
