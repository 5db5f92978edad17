#!/usr/bin/env node
// On-CPU top frames of a Node process from a `perf record -g` file: what the process actually ran,
// unlike V8's wall-clock profile (see bench/README.md, Profiles). Self and inclusive share per
// function, and self share per area (a source file or npm package for JavaScript, the native library,
// the kernel). JavaScript frames have names only when the process ran with --perf-basic-prof (allowed
// in NODE_OPTIONS) and its /tmp/perf-<pid>.map is still there.
// usage: node tools/scripts/perf-top.mjs <perf.data> [--top N] [--under <substring>]
//   --under keeps only the samples with a frame whose name contains <substring>, e.g. `#submit`.
import { execFileSync } from "node:child_process";
import { relative } from "node:path";
import { areaOfPath, printTop, profileArgs } from "./profile-report.mjs";

const {
  files: [file],
  top,
  under,
} = profileArgs("perf-top.mjs <perf.data> [--top N] [--under <substring>]", ["under"]);

const text = execFileSync("perf", ["script", "-i", file, "-F", "ip,sym,dso"], {
  encoding: "utf8",
  maxBuffer: 1 << 30,
  stdio: ["ignore", "pipe", "ignore"],
});

const self = new Map();
const inclusive = new Map();
const byArea = new Map();
let total = 0;
const add = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);

// `perf script` prints each sample's stack innermost frame first, one frame per line, and a blank
// line between samples.
for (const block of text.split("\n\n")) {
  const frames = block
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && /^[0-9a-f]+ /.test(line))
    .map(frameOf);
  if (frames.length === 0) continue;
  if (under !== undefined && !frames.some((f) => f.name.includes(under))) continue;
  total += 1;
  add(self, frames[0].name);
  add(byArea, frames[0].area);
  // Inclusive: JavaScript functions only, where the time under a call of ours is read.
  for (const name of new Set(frames.filter((f) => f.js).map((f) => f.name))) add(inclusive, name);
}

function frameOf(line) {
  // "<ip> <symbol> (<dso>)"; the symbol may hold spaces and parentheses.
  const dsoAt = line.lastIndexOf(" (");
  const symbol = line.slice(line.indexOf(" ") + 1, dsoAt).replace(/\+0x[0-9a-f]+$/, "");
  const dso = line.slice(dsoAt + 2, -1);
  const js = /^JS:[*~^+]?(.*?) ((?:file:\/\/|node:|\/)\S+?):\d+:\d+$/.exec(symbol);
  if (js) {
    const [, fn, source] = js;
    const path = source.startsWith("node:") ? source : relative(process.cwd(), source.replace(/^file:\/\//, ""));
    return { name: `${fn || "(anonymous)"} ${path}`, area: areaOf(path), js: true };
  }
  const name = symbol === "[unknown]" ? `(unknown in ${dso})` : symbol;
  if (dso === "[kernel.kallsyms]") return { name, area: "(kernel)" };
  if (/^v8::internal::(Scavenger|MarkCompact|ConcurrentMarking|Sweeper|ArrayBufferSweeper|Heap::|MarkingVisitor)/.test(symbol))
    return { name, area: "(V8 garbage collector)" };
  if (symbol.startsWith("Builtins_")) return { name, area: "(V8 builtins)" };
  return { name, area: `(${dso.split("/").pop()})` };
}

function areaOf(path) {
  return path.startsWith("node:") ? path.replace(/^(node:(?:internal\/)?[^/]+).*/, "$1") : areaOfPath(path);
}

const print = (title, map) => printTop(`${title} (${total} samples${under ? ` with a frame matching ${under}` : ""})`, map, total, top);
print("by function, self", self);
print("by JavaScript function, inclusive", inclusive);
print("by area, self", byArea);
