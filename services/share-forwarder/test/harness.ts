// Shared set-up of the forwarder's integration tests: an isolated namespace on the shared NATS,
// the reference pool backend, the forwarder (as a process or in this process), publishing shares
// the way the edge does, and reading back every recorded result.
import { create, fromBinary } from "@bufbuild/protobuf";
import { Bus, streamCatalog } from "@gatehouse/bus";
import { type ShareForwardResult, ShareForwardResultSchema } from "@gatehouse/proto/mining/v1";
import { ReplayResultsRequestSchema, ShareForwarderAdminService } from "@gatehouse/proto/shareforwarder/v1";
import { grpcServiceDefinition } from "@gatehouse/service";
import { type PublishShareOutcome, publishAcceptedShare } from "@gatehouse/shares";
import { type ExampleShare, exampleShare, natsUrl, ServiceProcess, type TestNamespace, testNamespace } from "@gatehouse/testkit";
import { type Client, credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import { DeliverPolicy } from "@nats-io/jetstream";

/** The backend's and the forwarder's shared signing secret in tests (32 bytes). */
export const SECRET = `whsec_${Buffer.alloc(32, 0x5a).toString("base64")}`;

export interface Namespace extends TestNamespace {
  bus: Bus;
  sharesStream: string;
  resultsStream: string;
}

export async function openNamespace(label: string): Promise<Namespace> {
  const ns = testNamespace(label);
  const bus = await Bus.connect({ servers: natsUrl(), name: `test-${label}`, subjectRoot: ns.subjectRoot });
  const catalog = streamCatalog({ subjectRoot: ns.subjectRoot, namePrefix: ns.streamPrefix });
  return { ...ns, bus, sharesStream: catalog.SHARES.name, resultsStream: catalog.SHARE_RESULTS.name };
}

export async function closeNamespace(ns: Namespace): Promise<void> {
  const jsm = await ns.bus.jsm();
  for (const stream of [ns.sharesStream, ns.resultsStream]) await jsm.streams.delete(stream).catch(() => false);
  await ns.bus.close();
}

/** Forwarder config for tests: fast timings, the namespace's subjects and streams. */
export function forwarderConfig(ns: Namespace, upstreamUrl: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mode: "observe",
    log_level: "info",
    nats: { url: natsUrl(), subject_root: ns.subjectRoot, stream_prefix: ns.streamPrefix },
    share_upstream_url: upstreamUrl,
    share_upstream_secret: SECRET,
    share_upstream_submit_timeout_ms: 5_000,
    share_upstream_backoff_base_ms: 20,
    share_upstream_backoff_max_ms: 200,
    share_upstream_unready_after_ms: 1_000,
    share_forward_ack_wait_ms: 2_000,
    ...overrides,
  };
}

export function startForwarder(
  ns: Namespace,
  upstreamUrl: string,
  overrides: Record<string, unknown> = {},
  env: Record<string, string> = {},
) {
  return ServiceProcess.start({ service: "share-forwarder", config: forwarderConfig(ns, upstreamUrl, overrides), env });
}

/** Example shares unique to this namespace. */
export function shares(ns: Namespace, count: number, from = 0): ExampleShare[] {
  return Array.from({ length: count }, (_, i) => exampleShare(from + i, { run: ns.subjectRoot }));
}

/** Publishes as the edge does, `window` at a time, in order within each window. */
export async function publish(ns: Namespace, list: ExampleShare[], window = 1): Promise<PublishShareOutcome[]> {
  const outcomes: PublishShareOutcome[] = [];
  for (let i = 0; i < list.length; i += window) {
    const batch = list
      .slice(i, i + window)
      .map((share) => publishAcceptedShare(ns.bus, share, { sharesStream: ns.sharesStream, instanceId: "edge-test" }));
    outcomes.push(...(await Promise.all(batch)));
  }
  return outcomes;
}

/** Every result stored in SHARE_RESULTS, in order (read until the last sequence seen at the start). */
export async function readResults(ns: Namespace): Promise<ShareForwardResult[]> {
  const jsm = await ns.bus.jsm();
  const { state } = await jsm.streams.info(ns.resultsStream);
  if (state.messages === 0) return [];
  const consumer = await ns.bus.js.consumers.get(ns.resultsStream, { deliver_policy: DeliverPolicy.All });
  const results: ShareForwardResult[] = [];
  let seq = 0;
  // Batches until the last sequence: one fetch may end early on a loaded machine.
  while (seq < state.last_seq) {
    const batch = await consumer.fetch({ max_messages: 1_000, expires: 5_000 });
    for await (const m of batch) {
      results.push(fromBinary(ShareForwardResultSchema, m.data));
      seq = m.seq;
      if (seq >= state.last_seq) break;
    }
  }
  return results;
}

export async function resultCount(ns: Namespace): Promise<number> {
  const jsm = await ns.bus.jsm();
  return (await jsm.streams.info(ns.resultsStream)).state.messages;
}

type AdminMethod = "getQueueStatus" | "pauseDelivery" | "resumeDelivery";
const methodInput = (name: AdminMethod) => {
  const method = ShareForwarderAdminService.methods.find((m) => m.localName === name);
  if (!method) throw new Error(`no admin method ${name}`);
  return method.input;
};
const AdminClient = makeGenericClientConstructor(grpcServiceDefinition(ShareForwarderAdminService), ShareForwarderAdminService.typeName);

/** The forwarder's gRPC admin API. */
export function adminClient(grpcUrl: string) {
  const client = new AdminClient(grpcUrl.replace(/^grpc:\/\//, ""), credentials.createInsecure()) as Client & Record<string, unknown>;
  const unary = <T>(method: AdminMethod): Promise<T> =>
    new Promise((resolve, reject) => {
      (client[method] as (req: object, md: Metadata, cb: (err: Error | null, res: T) => void) => void).call(
        client,
        create(methodInput(method)),
        new Metadata(),
        (err, res) => (err ? reject(err) : resolve(res)),
      );
    });
  return {
    queueStatus: () =>
      unary<{ queued: bigint; waiting: number; inFlight: number; paused: boolean; upstreamReachable: boolean }>("getQueueStatus"),
    pause: () => unary<{ paused: boolean }>("pauseDelivery"),
    resume: () => unary<{ paused: boolean }>("resumeDelivery"),
    replay: (fromUnixMs: bigint, toUnixMs: bigint, limit = 0): Promise<ShareForwardResult[]> =>
      new Promise((resolve, reject) => {
        const out: ShareForwardResult[] = [];
        const call = (client.replayResults as (req: object) => NodeJS.EventEmitter).call(
          client,
          create(ReplayResultsRequestSchema, { fromUnixMs, toUnixMs, limit }),
        );
        call.on("data", (m: { result: ShareForwardResult }) => out.push(m.result));
        call.on("error", reject);
        call.on("end", () => resolve(out));
      }),
    close: () => client.close(),
  };
}
