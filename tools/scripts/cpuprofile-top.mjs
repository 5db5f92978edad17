#!/usr/bin/env node
// Top frames of V8 .cpuprofile files (from `node --cpu-prof`, or GH_PROFILE_DIR for services the
// tests and benchmarks start): self time per function and per source file, as a share of the busy
// (non-idle) samples.
// usage: node tools/scripts/cpuprofile-top.mjs <file-or-folder>... [--top N]
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { areaOfPath, printTop, profileArgs } from "./profile-report.mjs";

const { files: paths, top } = profileArgs("cpuprofile-top.mjs <file-or-folder>... [--top N]");
const files = paths.flatMap(function expand(path) {
  return statSync(path).isDirectory()
    ? readdirSync(path).flatMap((f) => expand(join(path, f)))
    : path.endsWith(".cpuprofile")
      ? [path]
      : [];
});
if (files.length === 0) {
  process.stderr.write("cpuprofile-top.mjs: no .cpuprofile file there\n");
  process.exit(2);
}

const byFunction = new Map();
const byFile = new Map();
let total = 0;
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  // Self time per node: the interval before each sample belongs to the sampled node.
  const self = new Map();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  for (const [id, micros] of self) {
    const frame = nodes.get(id).callFrame;
    // Idle time is not work: leave it out so the shares are of CPU actually spent.
    if (frame.functionName === "(idle)") continue;
    const url = frame.url ? relative(process.cwd(), frame.url.replace(/^file:\/\//, "")) : "";
    const name = `${frame.functionName || "(anonymous)"} ${url ? `${url}:${frame.lineNumber + 1}` : ""}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    const where = url ? areaOfPath(url) : `(${frame.functionName || "native"})`;
    byFile.set(where, (byFile.get(where) ?? 0) + micros);
    total += micros;
  }
}
const print = (title, map) =>
  printTop(`${title} (self time, ${files.length} profile(s), ${(total / 1e6).toFixed(2)} s busy)`, map, total, top);
print("by function", byFunction);
print("by file or package", byFile);
