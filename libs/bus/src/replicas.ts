import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from "@nats-io/jetstream";
import type { ServerInfo } from "@nats-io/transport-node";
import { askUntilAnswered, type StreamSpec } from "./provision.js";

/** JetStream keeps at most five copies of a stream. */
export const MAX_STREAM_REPLICAS = 5;

/** Raised when streams ask for more replicas than the NATS deployment can keep. */
export class StreamReplicasError extends Error {
  override readonly name = "StreamReplicasError";
}

/**
 * How many servers can hold a copy of a stream: 1 for a server outside a cluster; in a cluster
 * the servers it announces to clients (`connect_urls`, itself included), or the largest peer set
 * of an existing stream when that is larger — a member that is down is missing from the first
 * but still part of the second, and a restart during its outage must not be refused.
 */
export async function jetStreamClusterSize(
  info: ServerInfo | undefined,
  jsm: JetStreamManager,
  streams: readonly string[],
): Promise<number> {
  if (!info?.cluster) return 1;
  let size = Math.max(1, new Set(info.connect_urls ?? []).size);
  for (const name of streams) {
    try {
      const { cluster } = await askUntilAnswered(() => jsm.streams.info(name));
      if (cluster) size = Math.max(size, 1 + (cluster.replicas?.length ?? 0));
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
    }
  }
  return size;
}

/** Refuses (StreamReplicasError) specs asking for more copies than `clusterSize` servers can keep. */
export function checkReplicas(specs: readonly StreamSpec[], clusterSize: number): void {
  const problems = specs
    .filter((spec) => (spec.replicas ?? 1) > clusterSize)
    .map((spec) => `${spec.name} asks for ${spec.replicas} replicas`);
  if (problems.length === 0) return;
  const where =
    clusterSize === 1
      ? "the NATS server is not part of a JetStream cluster (replicas > 1 need one)"
      : `the JetStream cluster has ${clusterSize} servers`;
  throw new StreamReplicasError(`${problems.join("; ")}, but ${where}: lower nats.stream_replicas or add servers`);
}
