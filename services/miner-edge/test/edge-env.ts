import { Bus, ensureStream, type StreamKey, streamCatalog } from "@gatehouse/bus";
import { type TemplateProposal, TemplateProposalSchema } from "@gatehouse/proto/mining/v1";
import {
  natsUrl,
  redisUrl,
  removeNamespace,
  type ServiceProcess,
  TestMiner,
  type TestNamespace,
  testNamespace,
  waitFor,
  writeEdgeIdentity,
} from "@gatehouse/testkit";

type SetupConnectionRequest = Parameters<TestMiner["client"]["setupConnection"]>[0];

/** An EdgeEvent as /gateway/events answers it (the fields these tests read). */
export interface EdgeEventView {
  type: string;
  reasonCode?: string;
  reasonDetail?: string;
  workerId?: string;
  modeTransition?: { direction: string };
}

/**
 * What every miner-edge end-to-end test file sets up the same way: a namespace on the shared NATS
 * and Redis, a Noise identity, the file's bus with the streams the edge writes into, the edge
 * config they all start from, miners it tracks, the edge's events, and the teardown.
 */
export class EdgeTestEnv {
  readonly ns: TestNamespace;
  readonly catalog: ReturnType<typeof streamCatalog>;
  readonly apiKey: string;
  /** Base58 authority key the edge's certificate verifies under (what a miner is configured with). */
  readonly authority: string;
  readonly identityConfig: { noise_key_file: string; authority_public_key_file: string };
  readonly miners: TestMiner[] = [];
  #bus: Bus | undefined;

  constructor(readonly name: string) {
    this.ns = testNamespace(name);
    this.catalog = streamCatalog({ subjectRoot: this.ns.subjectRoot, namePrefix: this.ns.streamPrefix });
    this.apiKey = `${name}-api-key-0123456789`;
    const identity = writeEdgeIdentity(`edge-${name}`);
    this.authority = identity.authority;
    this.identityConfig = identity.config;
  }

  get bus(): Bus {
    if (!this.#bus) throw new Error("EdgeTestEnv.connect() has not run");
    return this.#bus;
  }

  /** Connects the file's bus and creates `streams` (those the edge writes into, or that the test reads). */
  async connect(streams: readonly StreamKey[]): Promise<Bus> {
    this.#bus = await Bus.connect({ servers: natsUrl(), name: `${this.name}-e2e`, subjectRoot: this.ns.subjectRoot });
    const jsm = await this.#bus.jsm();
    for (const key of streams) await ensureStream(jsm, this.catalog[key]);
    return this.#bus;
  }

  /**
   * Observe mode on an ephemeral port in this namespace, behind the API key, at difficulty 1e-6
   * (a share in a few milliseconds of hashing), over Noise unless `extra` sets transport =
   * plaintext; `extra` over all of it.
   */
  config(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      mode: "observe",
      listen_addr: "127.0.0.1:0",
      http_api_key: this.apiKey,
      nats: { url: natsUrl(), subject_root: this.ns.subjectRoot, stream_prefix: this.ns.streamPrefix },
      redis: { url: redisUrl(), key_prefix: this.ns.redisPrefix },
      ...(extra.transport === "plaintext" ? {} : this.identityConfig),
      initial_difficulty: 1e-6,
      ...extra,
    };
  }

  /** A miner connected to `edge` (over Noise unless `plaintext`) that has sent SetupConnection and been answered. */
  async miner(edge: ServiceProcess, options: { plaintext?: boolean; setup?: SetupConnectionRequest } = {}): Promise<TestMiner> {
    const m = await TestMiner.connect(edge.endpoints.sv2 as string, options.plaintext ? undefined : this.authority);
    this.miners.push(m);
    await m.client.setupConnection(options.setup);
    return m;
  }

  async publishTemplate(template: TemplateProposal): Promise<void> {
    this.bus.publish(this.bus.subjects.templateProposed, TemplateProposalSchema, template);
    await this.bus.nc.flush();
  }

  /** The edge's recent events matching `query` (/gateway/events), newest first. */
  async events(edge: ServiceProcess, query: string): Promise<EdgeEventView[]> {
    const res = await fetch(`${edge.endpoints.ops}/gateway/events?${query}`, { headers: { "x-api-key": this.apiKey } });
    if (res.status !== 200) throw new Error(`/gateway/events answered ${res.status}`);
    return ((await res.json()) as { events: EdgeEventView[] }).events;
  }

  /** Waits until the edge has recorded an event with this reason code (the test's proof it was provoked). */
  eventWithReason(edge: ServiceProcess, reason: string): Promise<EdgeEventView> {
    return waitFor(async () => (await this.events(edge, `reason=${reason}`))[0], { description: `an event with reason ${reason}` });
  }

  /** Closes the miners, stops `edges` with `signal`, closes the bus and removes the namespace's streams and keys. */
  async teardown(edges: readonly (ServiceProcess | undefined)[], signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    await Promise.all(this.miners.map((m) => m.close().catch(() => undefined)));
    await Promise.all(edges.map((edge) => edge?.stop(signal)));
    await this.#bus?.close();
    await removeNamespace(this.ns);
  }
}
