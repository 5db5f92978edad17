import { ShareForwarderAdminService } from "@gatehouse/proto/shareforwarder/v1";
import { type ServiceContext, serviceStatus } from "@gatehouse/service";
import type { JetStreamManager } from "@nats-io/jetstream";
import type { Config } from "./config.js";
import type { DedupWindow } from "./dedup.js";
import type { UpstreamHealth } from "./health.js";
import type { ForwardPipeline } from "./pipeline.js";
import type { ResultLog } from "./results.js";
import { replayLimit } from "./sizing.js";

/** What the admin API reads and steers. */
export interface AdminDeps {
  ctx: ServiceContext<Config>;
  jsm: JetStreamManager;
  sharesStream: string;
  durable: string;
  pipeline: ForwardPipeline;
  health: UpstreamHealth;
  dedup: DedupWindow;
  results: ResultLog;
  /** Results recorded by this replica since start. */
  recorded: () => number;
}

/** ShareForwarderAdminService: status, queue status, pause/resume of delivery, result replay. */
export function registerAdmin(deps: AdminDeps): void {
  const { ctx, jsm, sharesStream, durable, pipeline, health, dedup, results } = deps;
  const { config, logger } = ctx;
  ctx.grpc.add(ShareForwarderAdminService, {
    getStatus: async () => ({ status: await serviceStatus(ctx) }),
    getQueueStatus: async () => {
      const [stream, info] = await Promise.all([jsm.streams.info(sharesStream), jsm.consumers.info(sharesStream, durable)]);
      const local = pipeline.status();
      return {
        queued: BigInt(stream.state.messages),
        undelivered: BigInt(info.num_pending),
        capacity: BigInt(config.share_forward_queue_size),
        dropPolicy: config.share_forward_queue_drop_policy,
        waiting: local.waiting,
        inFlight: local.inFlight,
        maxInFlight: config.share_forward_max_in_flight,
        paused: local.paused,
        upstreamReachable: !health.down,
        upstreamUnreachableMs: BigInt(health.unreachableForMs()),
        resultsRecorded: BigInt(deps.recorded()),
        dedupWindowEntries: dedup.size,
      };
    },
    pauseDelivery: async () => {
      pipeline.pause();
      logger.info("share delivery paused");
      return { paused: true };
    },
    resumeDelivery: async () => {
      pipeline.resume();
      logger.info("share delivery resumed");
      return { paused: false };
    },
    replayResults: async (request, call) => {
      await results.replay(Number(request.fromUnixMs), Number(request.toUnixMs), replayLimit(request.limit), (result) =>
        call.send({ result }),
      );
    },
  });
}
