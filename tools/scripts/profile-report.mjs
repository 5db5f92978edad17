// What cpuprofile-top.mjs, perf-top.mjs and alloc-top.mjs share: their command line, where a
// JavaScript source path belongs, and a table of the largest shares.
import { parseArgs } from "node:util";

/**
 * The command line of a profile script: its files, `--top N` (default 25) and the string options
 * named in `options`; prints `usage` and exits when no file is given or an option is unknown.
 */
export function profileArgs(usage, options = []) {
  const fail = () => {
    process.stderr.write(`usage: ${usage}\n`);
    process.exit(2);
  };
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: Object.fromEntries(["top", ...options].map((name) => [name, { type: "string" }])),
    });
  } catch {
    fail();
  }
  if (parsed.positionals.length === 0) fail();
  return { files: parsed.positionals, top: Number(parsed.values.top ?? 25), ...parsed.values };
}

/** A source file's area: `npm:<package>` under node_modules, else the path itself. */
export function areaOfPath(path) {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return pkg ? `npm:${pkg[1]}` : path;
}

/** The `top` largest entries of `map` as a share of `total`, largest first, under `title`. */
export function printTop(title, map, total, top) {
  process.stdout.write(`\n${title}\n`);
  for (const [key, amount] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${((100 * amount) / total).toFixed(1).padStart(5)} %  ${key}\n`);
  }
}
