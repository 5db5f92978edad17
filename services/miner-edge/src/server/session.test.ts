import { EdgeEventType, GatewayReason } from "@gatehouse/proto/mining/v1";
import { createLogger, ManualClock } from "@gatehouse/service";
import { type AnyMessage, type MessageFields, type MessageName, Protocol, Sv2Error } from "@gatehouse/sv2";
import { describe, expect, it } from "@jest/globals";
import { templateFixture } from "../../test/template-fixture.js";
import { authPolicy, type Config, configSchema } from "../config.js";
import { EventLog } from "../ops/event-log.js";
import { Authorizer } from "../protocol/auth.js";
import { ExtranonceAllocator } from "../protocol/extranonce.js";
import { validateShare } from "../protocol/validate.js";
import type { AcceptedShare, StoredShare } from "../shares/sink.js";
import { TemplateBook } from "../templates/book.js";
import { type MinerLink, MinerSession } from "./session.js";

const NOW_SECONDS = 1_700_000_000;

interface Sent {
  name: MessageName;
  message: Record<string, unknown>;
}

/** An in-memory MinerLink: the test feeds the miner's messages and reads what the session sent. */
class FakeLink implements MinerLink {
  readonly sent: Sent[] = [];
  aborted: Sv2Error | undefined;
  closed = false;
  /** Sends of this message fail, as a socket that went away would. */
  failSendOf: MessageName | undefined;
  readonly #inbox: AnyMessage[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  readonly #waiters: { name: MessageName; count: number; resolve: () => void }[] = [];

  receive(message: AnyMessage): void {
    this.#inbox.push(message);
    this.#wake?.();
  }

  /** The miner hangs up: the session's reader ends. */
  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async *messages(): AsyncGenerator<AnyMessage, void, undefined> {
    for (;;) {
      const next = this.#inbox.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.#ended || this.aborted) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  async send<N extends MessageName>(name: N, message: MessageFields<N>): Promise<void> {
    if (name === this.failSendOf) throw new Sv2Error("connection_closed", "socket gone");
    this.sent.push({ name, message: message as Record<string, unknown> });
    for (const waiter of this.#waiters) if (waiter.name === name && this.#count(name) >= waiter.count) waiter.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.end();
  }

  abort(err: Sv2Error): void {
    this.aborted = err;
    this.#wake?.();
  }

  /** Resolves once `count` messages named `name` have been sent. */
  sentCount(name: MessageName, count = 1): Promise<Sent[]> {
    const all = () => this.sent.filter((s) => s.name === name);
    if (this.#count(name) >= count) return Promise.resolve(all());
    return new Promise((resolve) => this.#waiters.push({ name, count, resolve: () => resolve(all()) }));
  }

  #count(name: MessageName): number {
    return this.sent.filter((s) => s.name === name).length;
  }
}

/** `holdStorage`: each accepted share's storage waits until the test calls `releaseStorage` (a slow JetStream). */
function harness(overrides: Record<string, unknown> = {}, { holdStorage = false } = {}) {
  const config: Config = configSchema.parse({
    mode: "observe",
    transport: "plaintext",
    initial_difficulty: 1e-9,
    auth: { mode: "allowlist", allowlist: ["rig.1"] },
    ...overrides,
  });
  const clock = new ManualClock(NOW_SECONDS * 1000);
  const events: { type: EdgeEventType; reasonCode: GatewayReason }[] = [];
  const eventLog = new EventLog(100, "test", [(e) => events.push({ type: e.type, reasonCode: e.reasonCode })], clock);
  const book = new TemplateBook(
    {
      cacheSize: 4,
      extranonceLength: 8,
      verdictTimeoutMs: 50,
      staleHoldMs: 500,
      failurePolicy: "fail_closed",
      maxFutureTemplates: 2,
      mode: () => "observe",
    },
    {
      serve: () => undefined,
      tipRejected: () => undefined,
      verdictLate: () => undefined,
      switchTimeout: () => undefined,
      malformed: () => undefined,
    },
  );
  const stored: AcceptedShare[] = [];
  const held: (() => void)[] = [];
  /** Lets the first `count` held storage calls finish (all of them without a count). */
  const releaseStorage = (count = held.length) => {
    for (const release of held.splice(0, count)) release();
  };
  const answered: { result: string; reason: string }[] = [];
  const seen = new Set<string>();
  const link = new FakeLink();
  const session = new MinerSession(7n, "192.0.2.1:4000", link, {
    config,
    authorizer: new Authorizer(authPolicy(config)),
    allocator: new ExtranonceAllocator(1),
    book,
    events: eventLog,
    dedup: {
      seenBefore: async (id) => {
        const before = seen.has(id);
        seen.add(id);
        return before;
      },
      forget: async (id) => void seen.delete(id),
    },
    shares: {
      publish: async (share): Promise<StoredShare> => {
        stored.push(share);
        if (holdStorage) await new Promise<void>((resolve) => held.push(resolve));
        return { outcome: "queued", event: { type: EdgeEventType.share_accepted }, encodedShare: new Uint8Array(0) };
      },
    },
    mode: () => "observe",
    logger: createLogger({ service: "miner-edge", instanceId: "test", level: "fatal" }),
    clock,
    onShare: (result, reason) => answered.push({ result, reason }),
  });
  const running = session.run();
  return { link, session, running, book, clock, events, stored, answered, releaseStorage };
}

const setup: MessageFields<"SetupConnection"> = {
  protocol: Protocol.mining,
  minVersion: 2,
  maxVersion: 2,
  flags: 0,
  endpointHost: "edge",
  endpointPort: 3333,
  vendor: "test",
  hardwareVersion: "",
  firmware: "1",
  deviceId: "",
};

const openChannel = (userIdentity: string): AnyMessage => ({
  type: "OpenStandardMiningChannel",
  message: { requestId: 1, userIdentity, nominalHashRate: 1e9, maxTarget: new Uint8Array(32).fill(0xff) },
});

/** Set up, a template on the book, a channel opened on it: the job the miner mines on. */
async function minerOnJob(h: ReturnType<typeof harness>) {
  h.book.onProposal(templateFixture({ templateId: 1n, headerTimestamp: NOW_SECONDS }), h.clock.now());
  h.link.receive({ type: "SetupConnection", message: setup });
  h.link.receive(openChannel("rig.1"));
  const [prevHash] = await h.link.sentCount("SetNewPrevHash");
  const jobId = prevHash?.message.jobId as number;
  return { channelId: 1, jobId };
}

/** A nonce whose header meets the channel's target: found the way a miner finds one, by trying. */
function validShare(h: ReturnType<typeof harness>, channelId: number, jobId: number, sequenceNumber: number) {
  const channel = h.session.channels.get(channelId)?.channel;
  if (!channel) throw new Error("no channel");
  const rules = { versionMask: 0x1fffe000, maxNtimeOffsetSeconds: 7200, nowSeconds: NOW_SECONDS };
  for (let nonce = sequenceNumber * 1000; ; nonce++) {
    const share = { channelId, sequenceNumber, jobId, nonce, ntime: NOW_SECONDS, version: 0x20000000 };
    if (validateShare(channel, share, rules).ok) return share;
  }
}

/** Lets every callback already due run: `n` passes through the event loop's check phase. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Resolves once `condition` holds, checking after each pass through the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await turns(1);
}

describe("MinerSession (through MinerLink)", () => {
  it("answers SetupConnection with version 2, and refuses another protocol and closes", async () => {
    const h = harness();
    h.link.receive({ type: "SetupConnection", message: setup });
    const [success] = await h.link.sentCount("SetupConnectionSuccess");
    expect(success?.message).toEqual({ usedVersion: 2, flags: 0 });
    expect(h.events.map((e) => e.type)).toContain(EdgeEventType.setup_connection_succeeded);

    const refused = harness();
    refused.link.receive({ type: "SetupConnection", message: { ...setup, protocol: Protocol.templateDistribution } });
    await refused.running;
    expect(refused.link.sent).toEqual([{ name: "SetupConnectionError", message: { flags: 0, errorCode: "unsupported-protocol" } }]);
    expect(refused.link.aborted).toBeInstanceOf(Sv2Error);
    expect(refused.events.at(-1)).toEqual({
      type: EdgeEventType.connection_closed,
      reasonCode: GatewayReason.unsupported_protocol_version,
    });
  });

  it("opens a channel for an allowed worker and sends it a future job and SetNewPrevHash", async () => {
    const h = harness();
    await minerOnJob(h);
    expect(h.link.sent.map((s) => s.name)).toEqual([
      "SetupConnectionSuccess",
      "OpenStandardMiningChannelSuccess",
      "NewMiningJob",
      "SetNewPrevHash",
    ]);
    expect(h.link.sent[1]?.message).toMatchObject({ requestId: 1, channelId: 1, groupChannelId: 0 });
    expect(h.session.channels.get(1)?.channel.workerId).toBe("rig.1");
  });

  it("refuses a channel for an unknown worker, with its error code and reason", async () => {
    const h = harness();
    h.book.onProposal(templateFixture({ templateId: 1n, headerTimestamp: NOW_SECONDS }), h.clock.now());
    h.link.receive({ type: "SetupConnection", message: setup });
    h.link.receive(openChannel("stranger"));
    const [error] = await h.link.sentCount("OpenMiningChannelError");
    expect(error?.message).toEqual({ requestId: 1, errorCode: "unknown-user" });
    expect(h.session.channels.size).toBe(0);
    expect(h.events.at(-1)).toEqual({ type: EdgeEventType.channel_rejected, reasonCode: GatewayReason.miner_unauthorized });
  });

  it("accepts a valid share: stored, counted on the channel and acknowledged by sequence number", async () => {
    const h = harness();
    const { channelId, jobId } = await minerOnJob(h);
    h.link.receive({ type: "SubmitSharesStandard", message: validShare(h, channelId, jobId, 5) });
    const [success] = await h.link.sentCount("SubmitSharesSuccess");
    expect(success?.message).toMatchObject({ channelId, lastSequenceNumber: 5, newSubmitsAcceptedCount: 1 });
    expect(h.stored).toHaveLength(1);
    expect(h.stored[0]).toMatchObject({ workerId: "rig.1", channelId, sequenceNumber: 5, jobId, receivedAtMs: h.clock.now() });
    expect(h.session.channels.get(channelId)?.channel.shares.accepted).toBe(1);
    expect(h.answered).toEqual([{ result: "accepted", reason: "" }]);
  });

  it("rejects a share with its SV2 error code and reason code, and a replayed one as a duplicate", async () => {
    const h = harness();
    const { channelId, jobId } = await minerOnJob(h);
    h.link.receive({ type: "SubmitSharesStandard", message: { ...validShare(h, channelId, jobId, 1), jobId: jobId + 50 } });
    const [unknownJob] = await h.link.sentCount("SubmitSharesError");
    expect(unknownJob?.message).toEqual({ channelId, sequenceNumber: 1, errorCode: "invalid-job-id" });
    expect(h.answered).toEqual([{ result: "rejected", reason: "share_invalid_job_id" }]);
    expect(h.events.at(-1)).toEqual({ type: EdgeEventType.share_rejected, reasonCode: GatewayReason.share_invalid_job_id });

    const share = validShare(h, channelId, jobId, 2);
    h.link.receive({ type: "SubmitSharesStandard", message: share });
    h.link.receive({ type: "SubmitSharesStandard", message: { ...share, sequenceNumber: 3 } });
    const errors = await h.link.sentCount("SubmitSharesError", 2);
    expect(errors[1]?.message).toEqual({ channelId, sequenceNumber: 3, errorCode: "duplicate-share" });
    expect(h.session.channels.get(channelId)?.channel.shares.rejected).toBe(2);
    expect(h.stored).toHaveLength(1);
  });

  it("refuses shares beyond max_shares_per_second_per_channel until the bucket refills", async () => {
    const h = harness({ max_shares_per_second_per_channel: 1 });
    const { channelId, jobId } = await minerOnJob(h);
    // A burst of two (rate × 2), then the third is over the limit.
    for (const sequenceNumber of [1, 2, 3])
      h.link.receive({ type: "SubmitSharesStandard", message: validShare(h, channelId, jobId, sequenceNumber) });
    const [limited] = await h.link.sentCount("SubmitSharesError");
    expect(limited?.message).toEqual({ channelId, sequenceNumber: 3, errorCode: "rate-limited" });
    await h.link.sentCount("SubmitSharesSuccess", 2);
    h.clock.advance(1000);
    h.link.receive({ type: "SubmitSharesStandard", message: validShare(h, channelId, jobId, 4) });
    const successes = await h.link.sentCount("SubmitSharesSuccess", 3);
    expect(successes[2]?.message).toMatchObject({ lastSequenceNumber: 4 });
    expect(h.answered.filter((a) => a.reason === "share_rate_limited")).toHaveLength(1);
  });

  it("closes the connection when a send fails, with peer_send_failed", async () => {
    const h = harness();
    h.link.failSendOf = "OpenStandardMiningChannelSuccess";
    h.book.onProposal(templateFixture({ templateId: 1n, headerTimestamp: NOW_SECONDS }), h.clock.now());
    h.link.receive({ type: "SetupConnection", message: setup });
    h.link.receive(openChannel("rig.1"));
    await h.running;
    expect(h.link.aborted?.message).toContain("send failed");
    expect(h.session.closed).toBe(true);
    expect(h.events.at(-1)).toEqual({ type: EdgeEventType.connection_closed, reasonCode: GatewayReason.peer_send_failed });
  });

  it("ends quietly when the miner hangs up, once its shares are answered", async () => {
    const h = harness();
    const { channelId, jobId } = await minerOnJob(h);
    h.link.receive({ type: "SubmitSharesStandard", message: validShare(h, channelId, jobId, 1) });
    h.link.end();
    await h.running;
    expect(h.link.sent.at(-1)?.name).toBe("SubmitSharesSuccess");
    expect(h.events.at(-1)).toEqual({ type: EdgeEventType.connection_closed, reasonCode: GatewayReason.GATEWAY_REASON_UNSPECIFIED });
  });

  it("keeps at most 32 shares in flight, takes the next when one is answered, and ends once all are", async () => {
    const h = harness({ mode: "inline" }, { holdStorage: true });
    const { channelId, jobId } = await minerOnJob(h);
    for (let sequenceNumber = 1; sequenceNumber <= 40; sequenceNumber++)
      h.link.receive({ type: "SubmitSharesStandard", message: validShare(h, channelId, jobId, sequenceNumber) });
    h.link.end();
    await until(() => h.stored.length === 32);
    // Every share taken in is waiting on storage; the session reads no further until one is answered.
    await turns(5);
    expect(h.stored).toHaveLength(32);
    h.releaseStorage(1);
    await until(() => h.stored.length === 33);
    await turns(5);
    expect(h.stored).toHaveLength(33);
    expect(h.link.sent.filter((s) => s.name === "SubmitSharesSuccess")).toHaveLength(1);
    // The rest go through as storage answers; the session ends only after the last answer.
    let ended = false;
    void h.running.then(() => {
      ended = true;
    });
    while (h.answered.length < 40) {
      expect(ended).toBe(false);
      h.releaseStorage();
      await turns(1);
    }
    await h.running;
    expect(h.answered).toHaveLength(40);
    expect(h.link.sent.filter((s) => s.name === "SubmitSharesSuccess")).toHaveLength(40);
    expect(h.stored.map((s) => s.sequenceNumber)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
});
