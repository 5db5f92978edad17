import type { StreamSpec } from "@gatehouse/bus";
import type { DropPolicy } from "./pipeline.js";

/**
 * The SHARES stream as the forward queue. drop_new: at most queueSize messages, DiscardNew (the
 * publisher's error becomes share_dropped_queue_full). drop_old: the forwarder evicts down to
 * queueSize itself (so every evicted share gets its result); the stream allows twice that as
 * headroom for bursts and for when no forwarder runs, and refuses beyond it like drop_new
 * rather than deleting shares nobody could account for.
 */
export function queueStreamSpec(base: StreamSpec, queueSize: number, policy: DropPolicy): StreamSpec {
  return {
    ...base,
    retention: "workqueue",
    discard: "new",
    maxMsgs: policy === "drop_old" ? queueSize * 2 : queueSize,
  };
}
