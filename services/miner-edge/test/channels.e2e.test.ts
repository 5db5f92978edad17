import { fromBinary } from "@bufbuild/protobuf";
import { concat, hashToDisplay, merkleRootFromPath, parseTransaction, sha256d, txid } from "@gatehouse/bitcoin";
import type { Bus } from "@gatehouse/bus";
import { type BlockEvent, type Loadgen, startLoadgen, type TargetEvent } from "@gatehouse/loadgen";
import { type BlockFound, BlockFoundSchema, TemplateProposalSchema } from "@gatehouse/proto/mining/v1";
import { ServiceProcess, TestMiner, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { EdgeTestEnv } from "./edge-env.js";
import { DIFF1_NBITS, REGTEST_NBITS, templateFixture } from "./template-fixture.js";

const env = new EdgeTestEnv("channels");
const { authority, catalog } = env;

let bus: Bus;
/** Noise, extended channels on, vardiff every second. */
let edge: ServiceProcess;
/** Plaintext (allowed through the VELDRA_ alias), one-second idle timeout. */
let plain: ServiceProcess;
const loadgens: Loadgen[] = [];

function base(extra: Record<string, unknown>): Record<string, unknown> {
  return env.config({ auth: { mode: "prefix_map", prefix_map: { "ch.": "acct-channels" } }, ...extra });
}

const sv2Port = (p: ServiceProcess) => Number(new URL(p.endpoints.sv2 as string).port);

const miner = (p: ServiceProcess) => env.miner(p, { plaintext: p === plain });

function loadgen(options: Parameters<typeof startLoadgen>[0]): Loadgen {
  const lg = startLoadgen(options);
  loadgens.push(lg);
  return lg;
}

beforeAll(async () => {
  bus = await env.connect(["SHARES", "BLOCKS"]);
  [edge, plain] = await Promise.all([
    ServiceProcess.start({
      service: "miner-edge",
      config: base({ extended_channels_enabled: true, extended_extranonce_size: 6, vardiff_interval_ms: 1000 }),
    }),
    ServiceProcess.start({
      service: "miner-edge",
      config: base({ transport: "plaintext", idle_timeout_ms: 1000 }),
      env: { GH_ALLOW_PLAINTEXT: "", VELDRA_ALLOW_PLAINTEXT: "1" },
    }),
  ]);
  bus.publish(
    bus.subjects.templateProposed,
    TemplateProposalSchema,
    templateFixture({ templateId: 1n, prevHash: "c1".repeat(32), nbits: DIFF1_NBITS }),
  );
  await bus.nc.flush();
}, 60_000);

afterAll(async () => {
  await Promise.all(loadgens.map((lg) => lg.stop(0)));
  await env.teardown([edge, plain]);
});

describe("plaintext transport", () => {
  it("refuses to start without GH_ALLOW_PLAINTEXT, naming the flag", async () => {
    await expect(
      ServiceProcess.start({
        service: "miner-edge",
        config: base({ transport: "plaintext" }),
        env: { GH_ALLOW_PLAINTEXT: "", VELDRA_ALLOW_PLAINTEXT: "" },
      }),
    ).rejects.toThrow(/transport = plaintext .*GH_ALLOW_PLAINTEXT=1/);
  });

  it("with the flag (here its VELDRA_ alias) serves plaintext miners: the loadgen's shares are accepted, Noise clients fail", async () => {
    expect(plain.lines.some((l) => /PLAINTEXT/.test(l.msg ?? ""))).toBe(true);
    const lg = loadgen({ host: "127.0.0.1", port: sv2Port(plain), plaintext: true, connections: 2, rate: 20, worker: "ch.plain" });
    await waitFor(() => lg.miners.every((m) => m.accepted >= 3), { description: "three accepted shares per plaintext connection" });
    const report = await lg.stop();
    expect(report).toMatchObject({ rejected: 0, unexpected: {}, connections: { opened: 2 } });
    // A Noise initiator gets no handshake answer from a plaintext port.
    await expect(TestMiner.connect(plain.endpoints.sv2 as string, authority).then((m) => m.client.setupConnection())).rejects.toThrow();
  });
});

describe("idle timeout", () => {
  it("closes a connection that sends nothing for idle_timeout_ms, and keeps one that mines", async () => {
    const idle = await miner(plain);
    // The edge's last write (the first job) comes after this, so the connection lives at least the timeout from here.
    const start = Date.now();
    await idle.open("ch.idle");
    const busy = loadgen({ host: "127.0.0.1", port: sv2Port(plain), plaintext: true, connections: 1, rate: 5, worker: "ch.busy" });
    await waitFor(() => idle.ended, { timeoutMs: 10_000, description: "the idle connection closed by the edge" });
    expect(Date.now() - start).toBeGreaterThanOrEqual(950);
    const closed = await waitFor(
      async () => (await env.events(plain, "type=connection_closed")).find((e) => e.reasonDetail === "idle timeout"),
      { description: "a connection_closed event for the idle timeout" },
    );
    expect(closed).toBeDefined();
    const acceptedThen = busy.miners[0]?.accepted ?? 0;
    await waitFor(() => (busy.miners[0]?.accepted ?? 0) >= acceptedThen + 10, { description: "the mining connection still served" });
    expect(busy.report().connections).toMatchObject({ opened: 1, disconnects: 0, connected: 1 });
    await busy.stop();
  });
});

describe("vardiff (shares_per_minute 6, checked every second)", () => {
  it("makes a fast miner's target harder and a silent miner's easier with SetTarget", async () => {
    const silent = await miner(edge);
    await silent.open("ch.slow");
    const initial = silent.target;
    const fast = loadgen({ host: "127.0.0.1", port: sv2Port(edge), authorityKey: authority, connections: 1, rate: 3, worker: "ch.fast" });
    const retargets: TargetEvent[] = [];
    fast.on("target", (e) => retargets.push(e));
    // SRI's rules wait more than 15 s before the first update.
    const harder = await waitFor(() => retargets[0], { timeoutMs: 40_000, description: "SetTarget for the fast miner" });
    expect(harder.target).toBeLessThan(initial);
    const easier = await silent.next("SetTarget", 40_000);
    expect(silent.target).toBeGreaterThan(initial);
    expect(easier.channelId).toBe(silent.channelId);
    // The fast miner keeps mining at the new target: its next shares are accepted.
    const before = fast.stats.accepted;
    await waitFor(() => fast.stats.accepted > before + 2, { timeoutMs: 30_000, description: "shares at the harder target" });
    expect((await fast.stop()).unexpected).toEqual({});
  }, 90_000);
});

describe("extended channels", () => {
  it("opens with the edge's prefix and the configured extranonce size; the loadgen's extended shares are accepted", async () => {
    const m = await miner(edge);
    const ok = await m.openExtended("ch.ext", 4);
    expect(ok.extranoncePrefix).toHaveLength(8);
    expect(ok.extranonceSize).toBe(6);
    const job = await m.next("NewExtendedMiningJob");
    expect(job.minNtime).toBeUndefined();
    expect(job.versionRollingAllowed).toBe(true);
    expect((await m.next("SetNewPrevHash")).jobId).toBe(job.jobId);
    expect(await m.submit(m.mine((h) => h <= m.target))).toMatchObject({ ok: true });

    const lg = loadgen({
      host: "127.0.0.1",
      port: sv2Port(edge),
      authorityKey: authority,
      extended: true,
      connections: 2,
      rate: 20,
      worker: "ch.ext",
      bad: { below_target: 0.1, replay: 0.1, version: 0.1 },
    });
    const refused = (kind: string, code: string) => (lg.stats.rejectedByKind[kind]?.[code] ?? 0) > 0;
    await waitFor(
      () =>
        lg.miners.every((x) => x.accepted >= 5) &&
        refused("below_target", "difficulty-too-low") &&
        refused("replay", "duplicate-share") &&
        refused("version", "invalid-non-rollable-version-bit"),
      { description: "accepted extended shares on both connections and each bad kind refused with its code" },
    );
    // Nothing else: no good extended share refused, no bad one accepted.
    expect((await lg.stop()).unexpected).toEqual({});
  });

  it("refuses a wrong extranonce size, a standard submission on an extended channel, and a too large min_extranonce_size", async () => {
    const m = await miner(edge);
    await m.openExtended("ch.ext", 6);
    await m.next("SetNewPrevHash");
    const share = m.mine((h) => h <= m.target);
    expect(await m.submit({ ...share, extranonce: new Uint8Array(5) })).toMatchObject({
      ok: false,
      error: { errorCode: "bad-extranonce-size" },
    });
    await env.eventWithReason(edge, "share_invalid_nonce");
    const { extranonce: _, ...standard } = m.mine((h) => h <= m.target);
    expect(await m.submit(standard)).toMatchObject({ ok: false, error: { errorCode: "invalid-channel-id" } });
    await expect(m.openExtended("ch.ext", 7)).rejects.toThrow(/min-extranonce-size-too-large/);
  });

  it("a block found on an extended channel is assembled with the miner's extranonce: the block's merkle root matches its header", async () => {
    const lg = loadgen({
      host: "127.0.0.1",
      port: sv2Port(edge),
      authorityKey: authority,
      extended: true,
      connections: 1,
      rate: 50,
      worker: "ch.ext",
    });
    const blocks: BlockEvent[] = [];
    lg.on("block", (b) => blocks.push(b));
    await waitFor(() => lg.stats.accepted > 0, { description: "mining on the first template" });
    const blockTemplate = templateFixture({ templateId: 2n, prevHash: "c2".repeat(32), nbits: REGTEST_NBITS, txCount: 4 });
    bus.publish(bus.subjects.templateProposed, TemplateProposalSchema, blockTemplate);
    await bus.nc.flush();
    await waitFor(() => lg.stats.blocksAccepted > 0, { description: "a block accepted by the edge" });
    const prefix = lg.miners[0]?.work?.extranonce?.prefix as Uint8Array;
    await lg.stop();
    // Regtest makes about every second share a block; take one of this loadgen's from BLOCKS.
    const ours = new Set(blocks.map((b) => b.blockHash));
    const jsm = await bus.jsm();
    const { first_seq, last_seq } = (await jsm.streams.info(catalog.BLOCKS.name)).state;
    let message: BlockFound | undefined;
    for (let seq = first_seq; seq <= last_seq && !message; seq++) {
      const stored = await jsm.streams.getMessage(catalog.BLOCKS.name, { seq });
      const found = stored && fromBinary(BlockFoundSchema, stored.data);
      if (found && ours.has(found.blockHash)) message = found;
    }
    if (!message) throw new Error(`none of the loadgen's ${ours.size} blocks is in BLOCKS`);
    expect(hashToDisplay(sha256d(message.header))).toBe(message.blockHash);
    // The header commits to the coinbase the edge reports (prefix ‖ miner's extranonce inside) and the template's transactions.
    const coinbase = parseTransaction(message.coinbaseTx);
    expect(Buffer.from(message.header.subarray(36, 68))).toEqual(Buffer.from(merkleRootFromPath(txid(coinbase), blockTemplate.merklePath)));
    expect(message.transactionsRef).toEqual(blockTemplate.transactionsRef);
    const scriptSig = coinbase.inputs[0]?.scriptSig as Uint8Array;
    expect(Buffer.from(scriptSig).includes(Buffer.from(prefix))).toBe(true);
    expect(scriptSig.length).toBeGreaterThanOrEqual(concat([prefix, new Uint8Array(6)]).length);
  });
});
