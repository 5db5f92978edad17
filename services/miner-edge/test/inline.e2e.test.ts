import { fromBinary } from "@bufbuild/protobuf";
import { hashToDisplay } from "@gatehouse/bitcoin";
import { type Bus, ensureStream } from "@gatehouse/bus";
import {
  GatewayReason,
  ShareForwardResultSchema,
  TemplateProposalSchema,
  TemplateVerdictSchema,
  VerdictReason,
  VerifierHeartbeatSchema,
} from "@gatehouse/proto/mining/v1";
import { ServiceProcess, TestMiner, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { EdgeTestEnv } from "./edge-env.js";
import { DIFF1_NBITS, templateFixture } from "./template-fixture.js";

const env = new EdgeTestEnv("inline");
const { authority, catalog, miners, apiKey: API_KEY } = env;

const tip = (n: number) => n.toString(16).padStart(2, "0").repeat(32);

let bus: Bus;
let edge: ServiceProcess;
let heartbeat: NodeJS.Timeout | undefined;

function config(): Record<string, unknown> {
  return env.config({
    mode: "inline",
    auth: { mode: "prefix_map", prefix_map: { "acme.": "acct-acme" } },
    prevhash_verdict_timeout_ms: 50,
    prevhash_stale_hold_ms: 1500,
    template_cache_size: 2,
    // Long enough that a loaded machine does not degrade a healthy edge mid-test.
    auto_degrade_after_ms: 3000,
  });
}

function startHeartbeats(): void {
  let sequence = 0n;
  heartbeat = setInterval(() => {
    sequence += 1n;
    bus.publish(bus.subjects.verifierHeartbeat, VerifierHeartbeatSchema, { verifierInstanceId: "test-verifier", sequence, ready: true });
  }, 100);
}

async function propose(templateId: bigint, prevHash: string): Promise<void> {
  bus.publish(bus.subjects.templateProposed, TemplateProposalSchema, templateFixture({ templateId, prevHash, nbits: DIFF1_NBITS }));
  await bus.nc.flush();
}

async function verdict(templateId: bigint, accepted: boolean): Promise<void> {
  bus.publish(bus.subjects.templateVerdict, TemplateVerdictSchema, {
    templateId,
    accepted,
    reasonCode: accepted ? VerdictReason.ok : VerdictReason.total_fees_below_minimum,
  });
  await bus.nc.flush();
}

async function miner(user = "acme.rig1"): Promise<TestMiner> {
  const m = await env.miner(edge, { setup: { flags: 0b100 } });
  await m.open(user);
  await m.next("SetNewPrevHash");
  return m;
}

async function sharesStored(): Promise<number> {
  const info = await (await bus.jsm()).streams.info(catalog.SHARES.name);
  return info.state.messages;
}

beforeAll(async () => {
  bus = await env.connect(["SHARES", "SHARE_RESULTS"]);
  edge = await ServiceProcess.start({ service: "miner-edge", config: config() });
  startHeartbeats();
}, 60_000);

afterAll(async () => {
  clearInterval(heartbeat);
  await env.teardown([edge], "SIGKILL");
});

describe("miner-edge inline mode (verdict gating, durability before acknowledgement)", () => {
  it("serves a template only once the verifier accepted it", async () => {
    await waitFor(
      async () => {
        const text = await (await fetch(`${edge.endpoints.ops}/metrics`, { headers: { "x-api-key": API_KEY } })).text();
        return /^gatehouse_miner_edge_verifier_heartbeats_total [1-9]/m.test(text) && /^gatehouse_miner_edge_mode_degraded 0$/m.test(text);
      },
      { description: "heartbeats flowing and inline mode enforced" },
    );
    await propose(10n, tip(0xa0));
    const early = await TestMiner.connect(edge.endpoints.sv2 as string, authority);
    miners.push(early);
    await early.client.setupConnection();
    await expect(early.open("acme.rig0")).rejects.toThrow(/upstream-unavailable/);
    await verdict(10n, true);
    const m = await waitFor(() => miner().catch(() => undefined), { description: "a channel on the verified template" });
    expect(hashToDisplay(m.tip?.prevHash ?? new Uint8Array(32))).toBe(tip(0xa0));
  });

  it("identities outside the prefix map are refused (identity_prefix_unmatched)", async () => {
    const m = await TestMiner.connect(edge.endpoints.sv2 as string, authority);
    miners.push(m);
    await m.client.setupConnection();
    await expect(m.open("other.rig")).rejects.toThrow(/unknown-user/);
    await env.eventWithReason(edge, "identity_prefix_unmatched");
  });

  it("acknowledges a share only once it is in SHARES; without the stream the miner hears an error", async () => {
    const m = await miner();
    const before = await sharesStored();
    expect((await m.submit(m.mine((h) => h <= m.target))).ok).toBe(true);
    expect(await sharesStored()).toBe(before + 1);

    const jsm = await bus.jsm();
    await jsm.streams.delete(catalog.SHARES.name);
    const unstored = m.mine((h) => h <= m.target);
    expect(await m.submit(unstored)).toMatchObject({ ok: false, error: { errorCode: "share-not-stored" } });
    await env.eventWithReason(edge, "share_forward_failed");
    // Never stored, so never credited: once the queue is back the same share is accepted, not a replay.
    await ensureStream(jsm, catalog.SHARES);
    expect((await m.submit({ ...unstored, sequenceNumber: m.nextSequence() })).ok).toBe(true);
    await jsm.streams.delete(catalog.SHARES.name);

    await ensureStream(jsm, { ...catalog.SHARES, maxMsgs: 1 });
    expect((await m.submit(m.mine((h) => h <= m.target))).ok).toBe(true);
    expect(await m.submit(m.mine((h) => h <= m.target))).toMatchObject({ ok: false, error: { errorCode: "share-not-stored" } });
    await env.eventWithReason(edge, "share_dropped_queue_full");
    // The dropped share still has its one forward result (libs/shares records it).
    const result = await jsm.streams.getMessage(catalog.SHARE_RESULTS.name, { last_by_subj: bus.subjects.shareResult });
    expect(fromBinary(ShareForwardResultSchema, result?.data ?? new Uint8Array())).toMatchObject({
      forwarded: false,
      reasonCode: GatewayReason.share_dropped_queue_full,
    });
    await jsm.streams.delete(catalog.SHARES.name);
    await ensureStream(jsm, catalog.SHARES);
  });

  it("a verdict after the timeout but within the stale hold still switches the tip", async () => {
    const m = await miner();
    await propose(11n, tip(0xb0));
    await waitFor(async () => edge.lines.some((l) => l.msg?.includes("no verdict within prevhash_verdict_timeout_ms")), {
      description: "the late-verdict warning",
    });
    expect(m.received.filter((x) => x.type === "SetNewPrevHash")).toHaveLength(1);
    await verdict(11n, true);
    const prev = await m.next("SetNewPrevHash");
    expect(hashToDisplay(prev.prevHash)).toBe(tip(0xb0));
  });

  it("a rejected new tip is not served (prevhash_verdict_rejected); miners keep valid work", async () => {
    const m = await miner();
    await propose(12n, tip(0xc0));
    await verdict(12n, false);
    await env.eventWithReason(edge, "prevhash_verdict_rejected");
    expect(hashToDisplay(m.tip?.prevHash ?? new Uint8Array(32))).toBe(tip(0xb0));
    expect((await m.submit(m.mine((h) => h <= m.target))).ok).toBe(true);
  });

  it("a share on a job whose template left the cache is template_cache_miss", async () => {
    const m = await miner();
    const oldJob = m.job;
    await propose(14n, tip(0xb0));
    await verdict(14n, true);
    await m.next("NewMiningJob");
    await propose(15n, tip(0xb0));
    await verdict(15n, true);
    await m.next("NewMiningJob");
    expect(await m.submit(m.mine((h) => h <= m.target, {}, oldJob))).toMatchObject({ ok: false, error: { errorCode: "stale-share" } });
    await env.eventWithReason(edge, "template_cache_miss");
  });

  it("no verdict within the stale hold: prevhash_switch_timeout, channels closed (fail_closed)", async () => {
    const m = await miner();
    await propose(16n, tip(0xd0));
    const closed = await m.next("CloseChannel", 5000);
    expect(closed.reasonCode).toBe("prevhash-switch-timeout");
    await env.eventWithReason(edge, "prevhash_switch_timeout");
    await waitFor(() => m.ended, { description: "the connection closed" });
  });

  it("degrades to observe when heartbeats stop and says so", async () => {
    clearInterval(heartbeat);
    // Newest first: the latest transition must be a degradation.
    const latest = await waitFor(
      async () => {
        const [newest] = await env.events(edge, "type=mode_transition&limit=1");
        return newest?.modeTransition?.direction === "degraded" ? newest : undefined;
      },
      { description: "a degraded mode_transition" },
    );
    expect(latest.type).toBe("mode_transition");
    const metrics = await (await fetch(`${edge.endpoints.ops}/metrics`, { headers: { "x-api-key": API_KEY } })).text();
    expect(metrics).toMatch(/^gatehouse_miner_edge_mode_degraded 1$/m);
  });

  it("kill -9 after acknowledging shares loses none of them: every acknowledged share is in SHARES", async () => {
    startHeartbeats();
    await propose(17n, tip(0xe0));
    await verdict(17n, true);
    const m = await waitFor(() => miner("acme.rig9").catch(() => undefined), { description: "a channel after the new tip" });
    const before = await sharesStored();
    let acked = 0;
    for (let i = 0; i < 10; i++) if ((await m.submit(m.mine((h) => h <= m.target))).ok) acked += 1;
    expect(acked).toBe(10);
    await edge.kill9();
    expect(await sharesStored()).toBe(before + acked);
  });
});
