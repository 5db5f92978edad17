import { jetstreamManager, type StreamInfo } from "@nats-io/jetstream";
import type { Command } from "commander";
import { connectFromOptions, natsOptions } from "../nats.js";

/** A replica of a stream as the cluster reports it: `current` when caught up with the leader. */
export interface ReplicaView {
  server: string;
  health: "current" | "behind" | "offline";
  lag?: number;
}

/** Where a stream's copies are: its leader and the other replicas' health (none outside a cluster). */
export function replicasOf(info: Pick<StreamInfo, "config" | "cluster">): {
  replicas: number;
  leader: string | undefined;
  peers: ReplicaView[];
} {
  const peers = (info.cluster?.replicas ?? []).map((peer) => ({
    server: peer.name,
    health: peer.offline ? ("offline" as const) : peer.current ? ("current" as const) : ("behind" as const),
    ...(peer.lag !== undefined ? { lag: peer.lag } : {}),
  }));
  return { replicas: info.config.num_replicas, leader: info.cluster?.leader, peers };
}

export function registerStreams(program: Command): void {
  natsOptions(
    program
      .command("streams")
      .description("show JetStream streams (replicas, leader, replica health) and their consumers with message counts")
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
        ...replicasOf(stream),
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
      const peers = s.peers.map((p) => `${p.server} ${p.health}${p.lag ? ` lag=${p.lag}` : ""}`).join(", ");
      process.stdout.write(`  replicas=${s.replicas} leader=${s.leader ?? "-"}${peers ? `  peers: ${peers}` : ""}\n`);
      for (const c of s.consumers) {
        process.stdout.write(
          `  └ ${c.name}  pending=${c.pending} ack_pending=${c.ackPending} redelivered=${c.redelivered} delivered=${c.delivered}\n`,
        );
      }
    }
  });
}
