// `make bench`: runs every benchmark (or those named as arguments) one after another.
import { BenchUsageError } from "./lib/errors.js";

const benchmarks: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  bus: () => import("./bus/bus.js"),
  "miner-edge": () => import("./miner-edge/miner-edge.js"),
  orchestrator: () => import("./orchestrator/orchestrator.js"),
  relay: () => import("./relay/relay.js"),
  "share-forwarder": () => import("./share-forwarder/share-forwarder.js"),
  "share-path": () => import("./share-path/share-path.js"),
  sv2: () => import("./sv2/sv2.js"),
  "template-verifier": () => import("./template-verifier/template-verifier.js"),
};

const selected = process.argv.slice(2);
for (const name of selected.length > 0 ? selected : Object.keys(benchmarks)) {
  const load = benchmarks[name];
  if (!load) throw new BenchUsageError(`unknown benchmark ${name}; one of ${Object.keys(benchmarks).join(", ")}`);
  await (await load()).run();
}
