// Loaded into a Node process with `--import`, samples where it allocates: every allocation, also
// the objects a collection has since freed (which `--heap-prof` leaves out, and which are most of
// what a service allocates per message). Sampling starts at start-up and the profile is written when
// the process is asked to stop (SIGTERM or SIGINT) or exits, to `<GH_ALLOC_DIR>/<pid>.heapprofile`.
// Only processes whose entry script path contains GH_ALLOC_MATCH are sampled, so a benchmark can
// pass it in NODE_OPTIONS to everything it starts and profile one service:
//   GH_ALLOC_DIR=/tmp/alloc GH_ALLOC_MATCH=template-verifier/dist/main.js \
//     NODE_OPTIONS="--import $PWD/tools/scripts/alloc-profile.mjs" node bench/dist/run-all.js template-verifier
// then `node tools/scripts/alloc-top.mjs /tmp/alloc/<pid>.heapprofile --per <messages>`.
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const dir = process.env.GH_ALLOC_DIR;
const match = process.env.GH_ALLOC_MATCH;
if (dir && match && process.argv[1]?.includes(match)) {
  const session = new Session();
  session.connect();
  // An in-process session answers synchronously, so the profile is written before the process's
  // own signal handlers start shutting it down.
  session.post("HeapProfiler.enable");
  session.post("HeapProfiler.startSampling", {
    samplingInterval: Number(process.env.GH_ALLOC_INTERVAL ?? 2048),
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    session.post("HeapProfiler.stopSampling", (err, result) => {
      if (err) return void process.stderr.write(`alloc-profile: ${err.message}\n`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${process.pid}.heapprofile`), JSON.stringify(result.profile));
    });
  };
  process.prependListener("SIGTERM", write);
  process.prependListener("SIGINT", write);
  process.on("exit", write);
}
