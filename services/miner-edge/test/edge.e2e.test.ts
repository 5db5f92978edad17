import { connect as tcpConnect } from "node:net";
import { fromBinary } from "@bufbuild/protobuf";
import {
  hashToDisplay,
  merkleRootFromPath,
  nBitsToTarget,
  parseTransaction,
  sha256d,
  txid,
  u256FromLE,
  u256ToLE,
} from "@gatehouse/bitcoin";
import type { Bus } from "@gatehouse/bus";
import { BlockFoundSchema, GatewayMode, ShareAcceptedSchema } from "@gatehouse/proto/mining/v1";
import { eventIdOf, shareIdOf } from "@gatehouse/shares";
import { ServiceProcess, TestMiner, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { edgeAdmin } from "./admin-client.js";
import { EdgeTestEnv } from "./edge-env.js";
import { DIFF1_NBITS, REGTEST_NBITS, templateFixture } from "./template-fixture.js";

const env = new EdgeTestEnv("edge");
const { authority, catalog, miners, apiKey: API_KEY } = env;

const TIP_A = "a1".repeat(32);
const TIP_B = "b2".repeat(32);
const TIP_C = "c3".repeat(32);

function edgeConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return env.config({
    auth: { mode: "allowlist", allowlist: ["alice", "bob", "carol"] },
    max_worker_id_bytes: 16,
    max_channels_per_connection: 2,
    max_shares_per_second_per_channel: 20,
    handshake_timeout_ms: 500,
    ...extra,
  });
}

let bus: Bus;
let edgeA: ServiceProcess;
let edgeB: ServiceProcess;
const miner = (edge: ServiceProcess) => env.miner(edge, { setup: { flags: 0b100 } });

const meets = (target: bigint) => (hash: bigint) => hash <= target;
const misses = (target: bigint) => (hash: bigint) => hash > target;

beforeAll(async () => {
  bus = await env.connect(["SHARES", "BLOCKS", "TEMPLATES"]);
  [edgeA, edgeB] = await Promise.all([
    ServiceProcess.start({ service: "miner-edge", config: edgeConfig() }),
    ServiceProcess.start({
      service: "miner-edge",
      config: edgeConfig({ max_frame_bytes: 1024, rate_limit_messages_per_sec: 20 }),
    }),
  ]);
}, 60_000);

afterAll(async () => {
  await env.teardown([edgeA, edgeB]);
});

describe("miner-edge end to end (real process, NATS, Redis, SV2 over Noise)", () => {
  it("refuses a channel before any template exists (fail_closed → upstream_unavailable)", async () => {
    const m = await miner(edgeA);
    await expect(m.open("alice")).rejects.toThrow(/upstream-unavailable/);
    await env.eventWithReason(edgeA, "upstream_unavailable");
  });

  it("serves a template as a future job + SetNewPrevHash, accepts a real share and stores it in SHARES under its event_id", async () => {
    await env.publishTemplate(templateFixture({ templateId: 1n, prevHash: TIP_A, nbits: DIFF1_NBITS }));
    const m = await miner(edgeA);
    const opened = await waitFor(() => m.open("alice").catch(() => undefined), { description: "channel once the template arrived" });
    expect(opened.extranoncePrefix).toHaveLength(8);
    const job = await m.next("NewMiningJob");
    expect(job.minNtime).toBeUndefined();
    const prev = await m.next("SetNewPrevHash");
    expect(prev.jobId).toBe(job.jobId);
    expect(hashToDisplay(prev.prevHash)).toBe(TIP_A);

    const share = m.mine(meets(m.target));
    const answer = await m.submit(share);
    expect(answer).toMatchObject({ ok: true, success: { newSubmitsAcceptedCount: 1 } });

    const header = new Uint8Array(80);
    const view = new DataView(header.buffer);
    view.setUint32(0, share.version, true);
    header.set(prev.prevHash, 4);
    header.set(job.merkleRoot, 36);
    view.setUint32(68, share.ntime, true);
    view.setUint32(72, prev.nbits, true);
    view.setUint32(76, share.nonce, true);
    const shareId = shareIdOf(header);
    const eventId = eventIdOf(shareId, "alice", "full");
    const stored = await waitFor(
      async () => {
        const jsm = await bus.jsm();
        return jsm.streams.getMessage(catalog.SHARES.name, { last_by_subj: bus.subjects.shareAccepted }).catch(() => undefined);
      },
      { description: "the share in the SHARES stream" },
    );
    expect(stored.header.get("Nats-Msg-Id")).toBe(eventId);
    const accepted = fromBinary(ShareAcceptedSchema, stored.data);
    expect(accepted).toMatchObject({ shareId, eventId, workerId: "alice", channelId: m.channelId, templateId: 1n, isBlock: false });
    expect(u256FromLE(sha256d(accepted.header))).toBeLessThanOrEqual(m.target);
  });

  it("rejects each bad share with its SV2 error code and seed reason code", async () => {
    const m = await miner(edgeA);
    await m.open("bob");
    await m.next("SetNewPrevHash");
    const good = m.mine(meets(m.target));
    expect((await m.submit(good)).ok).toBe(true);

    const cases: [string, string, ReturnType<TestMiner["mine"]>][] = [
      ["duplicate-share", "share_replay_detected", { ...good, sequenceNumber: m.nextSequence() }],
      ["difficulty-too-low", "share_difficulty_below_target", m.mine(misses(m.target))],
      ["invalid-non-rollable-version-bit", "version_bit_violation", m.mine(() => true, { version: (m.job?.version ?? 0) | 0x10 })],
      ["invalid-share", "ntime_out_of_range", m.mine(() => true, { ntime: (m.tip?.minNtime ?? 0) - 1 })],
      ["invalid-job-id", "share_invalid_job_id", m.mine(() => true, { jobId: 999 })],
      ["invalid-channel-id", "invalid_channel_id", m.mine(() => true, { channelId: 77 })],
    ];
    for (const [code, reason, share] of cases) {
      const answer = await m.submit(share);
      expect(answer).toMatchObject({ ok: false, error: { errorCode: code } });
      await env.eventWithReason(edgeA, reason);
    }
    // Rolling exactly the BIP320 mask is allowed.
    const rolled = m.mine(meets(m.target), { version: (m.job?.version ?? 0) | 0x1fffe000 });
    expect((await m.submit(rolled)).ok).toBe(true);
  });

  it("moves channels to a new tip and answers shares on the old tip with stale-share", async () => {
    const m = await miner(edgeA);
    await m.open("carol");
    await m.next("SetNewPrevHash");
    const old = m.mine(meets(m.target));
    await env.publishTemplate(templateFixture({ templateId: 2n, prevHash: TIP_B, nbits: DIFF1_NBITS }));
    const prev = await m.next("SetNewPrevHash");
    expect(hashToDisplay(prev.prevHash)).toBe(TIP_B);
    expect(await m.submit(old)).toMatchObject({ ok: false, error: { errorCode: "stale-share" } });
    await env.eventWithReason(edgeA, "stale_job_submission");
    expect((await m.submit(m.mine(meets(m.target)))).ok).toBe(true);
  });

  it("authorizes identities and bounds channels; extended channels are refused", async () => {
    const m = await miner(edgeA);
    await expect(m.open("mallory")).rejects.toThrow(/unknown-user/);
    await env.eventWithReason(edgeA, "miner_unauthorized");
    await expect(m.open("a".repeat(17))).rejects.toThrow(/invalid-user-identity/);
    await env.eventWithReason(edgeA, "identity_too_long");
    await m.open("alice");
    await m.open("alice");
    await expect(m.open("alice")).rejects.toThrow(/max-channels-exceeded/);
    await env.eventWithReason(edgeA, "channel_limit_exceeded");
    await m.client.connection.send("OpenExtendedMiningChannel", {
      requestId: 900,
      userIdentity: "alice",
      nominalHashRate: 1,
      maxTarget: new Uint8Array(32).fill(0xff),
      minExtranonceSize: 8,
    });
    const refused = await m.next("OpenMiningChannelError");
    expect(refused).toEqual({ requestId: 900, errorCode: "extended-channels-not-supported" });
    await env.eventWithReason(edgeA, "extended_channel_unsupported");
  });

  it("rate-limits a channel that floods shares", async () => {
    const m = await miner(edgeA);
    await m.open("bob");
    await m.next("SetNewPrevHash");
    const flood = Array.from({ length: 60 }, () => m.mine(() => true, { jobId: 12345 }));
    for (const share of flood) await m.client.submitShare(share);
    await env.eventWithReason(edgeA, "share_rate_limited");
    const codes = await waitFor(() => {
      const answers = m.received.filter((x) => x.type === "SubmitSharesError");
      return answers.length === flood.length ? answers.map((x) => (x.message as { errorCode: string }).errorCode) : undefined;
    });
    expect(codes).toContain("rate-limited");
    expect(codes).toContain("invalid-job-id");
  });

  it("a share meeting the network target is a block: BlockFound in BLOCKS with a block that parses", async () => {
    const template = templateFixture({ templateId: 3n, prevHash: TIP_C, nbits: REGTEST_NBITS, txCount: 2 });
    await env.publishTemplate(template);
    const m = await miner(edgeA);
    await m.open("alice");
    const prev = await m.next("SetNewPrevHash");
    expect(hashToDisplay(prev.prevHash)).toBe(TIP_C);
    const network = nBitsToTarget(REGTEST_NBITS);
    const share = m.mine((h) => h <= network && h <= m.target);
    expect((await m.submit(share)).ok).toBe(true);
    const stored = await waitFor(async () => {
      const jsm = await bus.jsm();
      return jsm.streams.getMessage(catalog.BLOCKS.name, { last_by_subj: bus.subjects.blockFound }).catch(() => undefined);
    });
    const found = fromBinary(BlockFoundSchema, stored.data);
    expect(found).toMatchObject({ blockHeight: 200, templateId: 3n, workerId: "alice" });
    // Header, full coinbase and the template's transactions reference: the verifier assembles the block.
    expect(found.transactionsRef).toEqual(template.transactionsRef);
    expect(hashToDisplay(sha256d(found.header))).toBe(found.blockHash);
    const root = merkleRootFromPath(txid(parseTransaction(found.coinbaseTx)), template.merklePath);
    expect(Buffer.from(found.header.subarray(36, 68))).toEqual(Buffer.from(root));
    expect(edgeA.lines.some((l) => l.msg === "BLOCK FOUND")).toBe(true);
  });

  it("a hash meeting the network target but not the channel's (regtest) is submitted as a block and never credited", async () => {
    const m = await miner(edgeA);
    await m.open("bob");
    const prev = await m.next("SetNewPrevHash");
    expect(hashToDisplay(prev.prevHash)).toBe(TIP_C);
    const network = nBitsToTarget(REGTEST_NBITS);
    expect(m.target).toBeLessThan(network);
    const jsm = await bus.jsm();
    const sharesBefore = (await jsm.streams.info(catalog.SHARES.name)).state.last_seq;

    const blockOnly = m.mine((h) => h <= network && h > m.target);
    expect(await m.submit(blockOnly)).toMatchObject({ ok: false, error: { errorCode: "difficulty-too-low" } });
    const found = await waitFor(async () => {
      const stored = await jsm.streams.getMessage(catalog.BLOCKS.name, { last_by_subj: bus.subjects.blockFound }).catch(() => undefined);
      const block = stored && fromBinary(BlockFoundSchema, stored.data);
      return block?.nonce === blockOnly.nonce && block.workerId === "bob" ? block : undefined;
    });
    expect(u256FromLE(sha256d(found.header))).toBeGreaterThan(m.target);
    await waitFor(async () => (await env.events(edgeA, "type=block_found&worker=bob"))[0], { description: "the block_found event" });

    // A credited share after it, stored behind it: between the two, SHARES gained only that share.
    const share = m.mine(meets(m.target));
    expect((await m.submit(share)).ok).toBe(true);
    const last = await waitFor(async () => {
      const stored = await jsm.streams.getMessage(catalog.SHARES.name, { last_by_subj: bus.subjects.shareAccepted }).catch(() => undefined);
      const accepted = stored && fromBinary(ShareAcceptedSchema, stored.data);
      return accepted?.nonce === share.nonce && accepted.workerId === "bob" ? stored : undefined;
    });
    for (let seq = sharesBefore + 1; seq <= last.seq; seq++) {
      const stored = await jsm.streams.getMessage(catalog.SHARES.name, { seq }).catch(() => undefined);
      if (stored) expect(fromBinary(ShareAcceptedSchema, stored.data).shareId).not.toBe(found.shareId);
    }
    const metrics = await (await fetch(`${edgeA.endpoints.ops}/metrics`, { headers: { "x-api-key": API_KEY } })).text();
    expect(metrics).toMatch(/^gatehouse_miner_edge_shares_total\{result="rejected",reason="share_difficulty_below_target"\} [1-9]/m);
  });

  it("accepts shares framed without the channel bit (the spec's examples, sv2-tp) and counts them", async () => {
    const m = await TestMiner.connect(edgeA.endpoints.sv2 as string, authority, { channelBit: "omit" });
    miners.push(m);
    await m.client.setupConnection();
    await m.open("carol");
    await m.next("SetNewPrevHash");
    const answer = await m.submit(m.mine(meets(m.target)));
    expect(answer).toMatchObject({ ok: true, success: { newSubmitsAcceptedCount: 1 } });
    expect(m.ended).toBeUndefined();
    const metrics = await (await fetch(`${edgeA.endpoints.ops}/metrics`, { headers: { "x-api-key": API_KEY } })).text();
    expect(metrics).toMatch(/^gatehouse_miner_edge_channel_bit_differences_total\{message="SubmitSharesStandard"\} [1-9]/m);
  });

  it("/gateway/events needs the API key and filters by type and worker", async () => {
    expect((await fetch(`${edgeA.endpoints.ops}/gateway/events`)).status).toBe(401);
    const accepted = await env.events(edgeA, "type=share_accepted&worker=alice&limit=5");
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.every((e) => e.type === "share_accepted" && e.workerId === "alice")).toBe(true);
    const bad = await fetch(`${edgeA.endpoints.ops}/gateway/events?reason=nope`, { headers: { "x-api-key": API_KEY } });
    expect(bad.status).toBe(400);
    const metrics = await (await fetch(`${edgeA.endpoints.ops}/metrics`, { headers: { "x-api-key": API_KEY } })).text();
    expect(metrics).toMatch(/^gatehouse_miner_edge_shares_total\{result="rejected",reason="share_replay_detected"\} [1-9]/m);
    expect(metrics).toMatch(/^gatehouse_miner_edge_blocks_found_total [1-9]/m);
  });

  it("UpdateChannel with a lower maximum target is honoured with SetTarget; unknown channels get UpdateChannel.Error", async () => {
    const m = await miner(edgeA);
    await m.open("alice");
    const lower = m.target / 4n;
    const bytes = u256ToLE(lower);
    await m.client.connection.send("UpdateChannel", { channelId: m.channelId, nominalHashRate: 1e6, maximumTarget: bytes });
    const set = await m.next("SetTarget");
    expect(u256FromLE(set.maximumTarget)).toBe(lower);
    await m.client.connection.send("UpdateChannel", { channelId: 999, nominalHashRate: 1, maximumTarget: bytes });
    expect(await m.next("UpdateChannelError")).toEqual({ channelId: 999, errorCode: "invalid-channel-id" });
  });

  it("streams events live over SSE with the same filters", async () => {
    const controller = new AbortController();
    const res = await fetch(`${edgeA.endpoints.ops}/gateway/events/stream?type=channel_opened&worker=bob`, {
      headers: { "x-api-key": API_KEY },
      signal: controller.signal,
    });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const m = await miner(edgeA);
    await m.open("bob");
    let text = "";
    while (!text.includes('"workerId":"bob"')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/^event: channel_opened$/m);
    controller.abort();
  });

  it("gRPC admin lists connections with their channels, reports the mode and template, and disconnects", async () => {
    const admin = edgeAdmin(edgeA.endpoints.grpc as string, API_KEY);
    try {
      const m = await miner(edgeA);
      const { extranoncePrefix } = await m.open("carol");
      await m.next("SetNewPrevHash");
      await m.submit(m.mine(meets(m.target)));
      const listed = await admin.call("listConnections", { workerId: "carol" });
      const mine = listed.connections.find((c) =>
        c.channels.some((ch) => ch.extranoncePrefix === Buffer.from(extranoncePrefix).toString("hex")),
      );
      expect(mine?.channels[0]).toMatchObject({ workerId: "carol", acceptedShares: 1n, prevHash: TIP_C, templateId: 3n });
      const mode = await admin.call("getMode", {});
      expect(mode).toMatchObject({
        configured: GatewayMode.observe,
        effective: GatewayMode.observe,
        degraded: false,
        current: { templateId: 3n, verdict: "pending" },
      });
      await expect(admin.call("disconnect", { connectionId: 999_999n })).rejects.toThrow(/NOT_FOUND|no connection/);
      await admin.call("disconnect", { connectionId: mine?.connectionId ?? 0n, reason: "maintenance" });
      expect((await m.next("CloseChannel")).reasonCode).toBe("maintenance");
      await waitFor(() => m.ended, { description: "the disconnected miner's connection ends" });
    } finally {
      admin.close();
    }
  });

  it("protocol violations close the connection with their reason code", async () => {
    const wrongVersion = await TestMiner.connect(edgeA.endpoints.sv2 as string, authority);
    miners.push(wrongVersion);
    await expect(wrongVersion.client.setupConnection({ minVersion: 3, maxVersion: 3 })).rejects.toThrow(/protocol-version-mismatch/);
    await env.eventWithReason(edgeA, "unsupported_protocol_version");

    const confused = await miner(edgeA);
    await confused.client.connection.send("NewMiningJob", {
      channelId: 1,
      jobId: 1,
      minNtime: undefined,
      version: 0,
      merkleRoot: new Uint8Array(32),
    });
    await waitFor(() => confused.ended, { description: "the connection closed" });
    await env.eventWithReason(edgeA, "frame_decode_error");
  });

  it("a freshly started replica serves the latest template stored in TEMPLATES at once", async () => {
    const edgeC = await ServiceProcess.start({ service: "miner-edge", config: edgeConfig() });
    try {
      const m = await miner(edgeC);
      await m.open("alice");
      const prev = await m.next("SetNewPrevHash");
      expect(hashToDisplay(prev.prevHash)).toBe(TIP_C);
      await m.close();
    } finally {
      await edgeC.stop("SIGTERM");
    }
  });
  it("two replicas hand out extranonce prefixes from different server ids", async () => {
    const a = await miner(edgeA);
    const b = await miner(edgeB);
    const [pa, pb] = [await a.open("alice"), await b.open("alice")];
    expect(Buffer.from(pa.extranoncePrefix.subarray(0, 2))).not.toEqual(Buffer.from(pb.extranoncePrefix.subarray(0, 2)));
  });

  it("transport failures: handshake timeout, aborted handshake, oversized frame", async () => {
    const silent = tcpConnect({ host: "127.0.0.1", port: Number(new URL(edgeB.endpoints.sv2 as string).port) });
    await env.eventWithReason(edgeB, "noise_handshake_timeout");
    silent.destroy();

    const aborted = tcpConnect({ host: "127.0.0.1", port: Number(new URL(edgeB.endpoints.sv2 as string).port) });
    await new Promise<void>((resolve) => aborted.once("connect", () => resolve()));
    aborted.end(Buffer.alloc(10));
    await env.eventWithReason(edgeB, "noise_handshake_failed");

    const m = await TestMiner.connect(edgeB.endpoints.sv2 as string, authority);
    miners.push(m);
    await expect(
      m.client.setupConnection({
        vendor: "v".repeat(255),
        firmware: "f".repeat(255),
        hardwareVersion: "h".repeat(255),
        deviceId: "d".repeat(255),
      }),
    ).rejects.toThrow();
    await env.eventWithReason(edgeB, "frame_too_large");
  });

  it("a peer exceeding its message quota is disconnected (peer_quota_exceeded)", async () => {
    const m = await miner(edgeB);
    await m.open("alice");
    for (let i = 0; i < 100 && !m.ended; i++) {
      await m.client.connection
        .send("UpdateChannel", { channelId: m.channelId, nominalHashRate: 1, maximumTarget: new Uint8Array(32).fill(0xff) })
        .catch(() => undefined);
    }
    await env.eventWithReason(edgeB, "peer_quota_exceeded");
  });

  it("limits new connections per address across the window (connection_rate_limited)", async () => {
    const port = Number(new URL(edgeB.endpoints.sv2 as string).port);
    // The counter is shared with replica A (same Redis prefix): 30 at once exceeds the default 20/s.
    const sockets = Array.from({ length: 30 }, () => tcpConnect({ host: "127.0.0.1", port }));
    await env.eventWithReason(edgeB, "connection_rate_limited");
    for (const s of sockets) s.destroy();
  });
});
