// What cpuprofile-top.mjs, perf-top.mjs and alloc-top.mjs print alike: where a JavaScript source path belongs,
// and a table of the largest shares.

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
