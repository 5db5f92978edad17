import { jetstreamManager } from "@nats-io/jetstream";
import type { Command } from "commander";
import { connectFromOptions, natsOptions } from "../nats.js";

export function registerStreams(program: Command): void {
  natsOptions(
    program
      .command("streams")
      .description("show JetStream streams and their consumers with message counts")
      .option("--json", "print JSON instead of a table"),
  ).action(async (options: { json?: boolean; server: string }) => {
    const nc = await connectFromOptions(options, "gatehouse-streams");
    const jsm = await jetstreamManager(nc);
    const report = [];
    for await (const stream of jsm.streams.list()) {
      const consumers = [];
      for await (const c of jsm.consumers.list(stream.config.name)) {
        consumers.push({
          name: c.name,
          pending: c.num_pending,
          ackPending: c.num_ack_pending,
          redelivered: c.num_redelivered,
          delivered: c.delivered.stream_seq,
        });
      }
      report.push({
        name: stream.config.name,
        subjects: stream.config.subjects,
        retention: stream.config.retention,
        discard: stream.config.discard,
        maxMsgs: stream.config.max_msgs,
        messages: stream.state.messages,
        bytes: stream.state.bytes,
        firstSeq: stream.state.first_seq,
        lastSeq: stream.state.last_seq,
        consumers,
      });
    }
    await nc.close();
    if (options.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    if (report.length === 0) process.stdout.write("no streams\n");
    for (const s of report) {
      const limit = s.maxMsgs < 0 ? "unlimited" : String(s.maxMsgs);
      process.stdout.write(
        `${s.name}  [${s.subjects.join(", ")}]  ${s.retention}/${s.discard}  messages=${s.messages}/${limit} bytes=${s.bytes} seq=${s.firstSeq}..${s.lastSeq}\n`,
      );
      for (const c of s.consumers) {
        process.stdout.write(
          `  └ ${c.name}  pending=${c.pending} ack_pending=${c.ackPending} redelivered=${c.redelivered} delivered=${c.delivered}\n`,
        );
      }
    }
  });
}
