#!/usr/bin/env node
import { type LoadgenReport, startLoadgen } from "./loadgen.js";
import { parseCli, UsageError } from "./options.js";

let options: ReturnType<typeof parseCli>;
try {
  options = parseCli(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`gatehouse-loadgen: ${err instanceof UsageError ? err.message : String(err)}\n`);
  process.exit(64);
}

const line = (stream: NodeJS.WriteStream, value: object) => stream.write(`${JSON.stringify(value)}\n`);

let loadgen: ReturnType<typeof startLoadgen>;
try {
  loadgen = startLoadgen(options);
} catch (err) {
  process.stderr.write(`gatehouse-loadgen: ${(err as Error).message}\n`);
  process.exit(78);
}

// Connection trouble and blocks go to stderr as they happen; stdout carries only the reports.
loadgen.on("disconnected", (e) => line(process.stderr, { msg: "connection lost", ...e }));
loadgen.on("block", (e) => line(process.stderr, { msg: "BLOCK FOUND", ...e }));

const progress =
  options.reportIntervalS > 0
    ? setInterval(() => line(process.stdout, { type: "progress", ...loadgen.report() }), options.reportIntervalS * 1000)
    : undefined;

let finishing = false;
async function finish(reason: string): Promise<void> {
  if (finishing) return;
  finishing = true;
  clearInterval(progress);
  const report: LoadgenReport = await loadgen.stop();
  const final = { type: "final", reason, ...report };
  process.stdout.write(options.json ? `${JSON.stringify(final)}\n` : `${JSON.stringify(final, null, 2)}\n`);
  process.exit(0);
}

process.once("SIGINT", () => void finish("SIGINT"));
process.once("SIGTERM", () => void finish("SIGTERM"));
// With a duration (or reconnect off and every connection ended) the miners finish on their own.
void loadgen.finished.then(() => finish(options.durationS > 0 ? "duration" : "connections ended"));
