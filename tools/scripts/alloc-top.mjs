#!/usr/bin/env node
// Where a process allocated, from a sampling heap profile (alloc-profile.mjs, or DevTools'
// "allocation sampling"): bytes per function, self and inclusive, as a share of all sampled bytes,
// and per unit of work when `--per <count>` says how many units the profile covers.
// usage: node tools/scripts/alloc-top.mjs <file.heapprofile> [--top N] [--per <units>]
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { areaOfPath, printTop, profileArgs } from "./profile-report.mjs";

const {
  files: [file],
  top,
  per,
} = profileArgs("alloc-top.mjs <file.heapprofile> [--top N] [--per <units>]", ["per"]);

const profile = JSON.parse(readFileSync(file, "utf8"));
const self = new Map();
const inclusive = new Map();
const byArea = new Map();
let total = 0;
const add = (map, key, bytes) => map.set(key, (map.get(key) ?? 0) + bytes);

function nameOf(frame) {
  const url = frame.url ? (frame.url.startsWith("node:") ? frame.url : relative(process.cwd(), frame.url.replace(/^file:\/\//, ""))) : "";
  return {
    name: `${frame.functionName || "(anonymous)"}${url ? ` ${url}:${frame.lineNumber + 1}` : ""}`,
    area: url ? areaOfPath(url) : "(native)",
  };
}

// The subtree under each node holds the bytes allocated while that function was on the stack.
(function walk(node, stack) {
  const { name, area } = nameOf(node.callFrame);
  const here = [...stack, name];
  if (node.selfSize > 0) {
    total += node.selfSize;
    add(self, name, node.selfSize);
    add(byArea, area, node.selfSize);
    for (const fn of new Set(here)) add(inclusive, fn, node.selfSize);
  }
  for (const child of node.children) walk(child, here);
})(profile.head, []);

const sampled = `${(total / 1e6).toFixed(1)} MB sampled${per ? `, ${Math.round(total / Number(per))} B per unit of ${per}` : ""}`;
printTop(`by function, self (${sampled})`, self, total, top);
printTop("by function, inclusive", inclusive, total, top);
printTop("by file or package, self", byArea, total, top);
