// Provisioning a service's own JetStream streams from its [nats] config: the catalog with the
// configured replicas, checked against the cluster's size, and every setting provisioning kept
// as the server has it logged and counted.
import {
  askUntilAnswered,
  type Bus,
  checkReplicas,
  ensureStream,
  jetStreamClusterSize,
  type KeptSetting,
  type StreamKey,
  type StreamSpec,
  streamCatalog,
} from "@gatehouse/bus";
import type { NatsConfig } from "./config/schema.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";

/** The stream declarations as this service's [nats] config sets them (names, subjects, replicas). */
export function streamCatalogOf(nats: NatsConfig): Record<StreamKey, StreamSpec> {
  return streamCatalog({
    subjectRoot: nats.subject_root,
    namePrefix: nats.stream_prefix,
    replicas: nats.stream_replicas,
    replicasPerStream: nats.stream_replicas_per_stream,
  });
}

export interface StreamProvisioner {
  /**
   * Refuses (StreamReplicasError) replicas the cluster cannot keep, then makes each stream exist;
   * a stream whose replicas are above the configured count keeps them, with a warning and
   * `stream_settings_kept_total`. `stream_replicas` reports what each stream has.
   */
  ensureStreams(bus: Bus, specs: readonly StreamSpec[]): Promise<void>;
}

export function streamProvisioner(logger: Logger, metrics: Metrics): StreamProvisioner {
  const kept = metrics.counter("stream_settings_kept_total", "Declared stream settings provisioning refused to apply", [
    "stream",
    "setting",
  ]);
  const replicas = metrics.gauge("stream_replicas", "Replicas of each stream this service provisioned, as the server has them", ["stream"]);
  const onKept = (k: KeptSetting) => {
    kept.inc({ stream: k.stream, setting: k.setting });
    logger.warn(
      { stream: k.stream, setting: k.setting, current: k.current, configured: k.wanted },
      `stream ${k.stream} keeps ${k.setting} ${k.current}, not the configured ${k.wanted}: provisioning never lowers replicas (an operator can, with nats stream edit)`,
    );
  };
  return {
    async ensureStreams(bus, specs) {
      const jsm = await bus.jsm();
      const clusterSize = await jetStreamClusterSize(
        bus.nc.info,
        jsm,
        specs.map((s) => s.name),
      );
      checkReplicas(specs, clusterSize);
      for (const spec of specs) {
        const outcome = await ensureStream(jsm, spec, { onKept });
        const actual = (await askUntilAnswered(() => jsm.streams.info(spec.name))).config.num_replicas;
        replicas.set({ stream: spec.name }, actual);
        logger.info({ stream: spec.name, outcome, replicas: actual }, "stream provisioned");
      }
    },
  };
}
