// One `make interop` run: regtest Core (and sv2-tp) on loopback in a temporary directory, the
// mining part of Gatehouse's dev stack, and for each path (Core's RPC, then sv2-tp's TDP): a
// mempool of ≥ 1.5 MB of standard transactions, the time until a template carries it, loadgen
// miners mining through the edge, and every block Gatehouse reports compared with Core's chain.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultMiners, ensureNats, ensureRedis, freePorts, type Server } from "@gatehouse/dev";
import { removeNamespace, testNamespace } from "@gatehouse/testkit";
import {
  type CoreBlockFacts,
  DEFAULT_LIMITS,
  type Limits,
  type ObservedBlock,
  type PathFacts,
  type PathSummary,
  summarizePath,
} from "./checks.js";
import { fillMempool, fundKey, newRegtestKey, type RegtestKey, type Utxo } from "./coins.js";
import { Gatehouse, type TemplatePath } from "./gatehouse.js";
import { type CoreNode, startCore, startTemplateProvider, type TemplateProvider } from "./nodes.js";
import { BusObserver } from "./observer.js";
import type { Peers } from "./peers.js";
import { CoreRpcError, RPC_NOT_FOUND } from "./rpc.js";

export interface RunOptions {
  peers: Peers;
  root: string;
  /** The paths to run, in order; "tdp" needs sv2-tp among the peers. */
  paths: readonly PathKind[];
  /** Blocks to find through Gatehouse on each path (at least). */
  blocksPerPath: number;
  /** Serialized bytes of transactions put into the mempool before each path mines. */
  mempoolBytes: number;
  limits?: Limits;
  /** Every process's output on stderr. */
  echo: boolean;
  log: (line: string) => void;
}

export type PathKind = "rpc" | "tdp";

export interface InteropSummary {
  core: { binary: string; version: string };
  sv2tp: { binary: string; version: string } | { skipped: string };
  paths: PathSummary[];
  ok: boolean;
  failures: string[];
  durationMs: number;
}

/** Source names the verifier stamps on proposals and blocks. */
const SOURCE = { rpc: "bitcoind-rpc", tdp: "sv2-tdp" } as const;
/** Outputs per fan-out transaction (~62 kvB, under the 100 kvB standardness limit). */
const OUTPUTS_PER_FAN_OUT = 2_000;
/** Inputs per fill transaction, and the serialized bytes each adds (10 P2WPKH inputs, one output). */
const FILL_INPUTS = 10;
const FILL_TX_BYTES = 1_500;
/** Longest wait for a template holding the fill: two of Core's one-minute long-poll cycles and more. */
const TEMPLATE_WAIT_MS = 150_000;
const MINING_WAIT_MS = 180_000;
const RESULT_WAIT_MS = 60_000;
/** Two loadgen miners, a share (so a block at regtest difficulty) every 2–2.5 s each. */
const MINERS = defaultMiners(2).map((m, i) => ({ ...m, worker: `dev.interop-${i + 1}`, rate: i === 0 ? 0.5 : 0.4 }));

export async function runInterop(options: RunOptions): Promise<InteropSummary> {
  const startedAt = Date.now();
  const limits = options.limits ?? DEFAULT_LIMITS;
  const log = options.log;
  const dir = mkdtempSync(join(tmpdir(), "gh-interop-"));
  const datadir = join(dir, "core");
  mkdirSync(datadir);
  const namespace = testNamespace("interop");
  const cleanups: Array<() => Promise<unknown> | unknown> = [() => rmSync(dir, { recursive: true, force: true })];
  const tdp = options.paths.includes("tdp") && "path" in options.peers.sv2tp ? options.peers.sv2tp : undefined;
  const tpSubmitted = new Map<string, boolean>();
  try {
    const nats: Server = await ensureNats();
    const redis: Server = await ensureRedis();
    cleanups.push(
      () => nats.stop(),
      () => redis.stop(),
    );
    cleanups.push(() => removeNamespace(namespace, { nats: nats.url, redis: redis.url }));
    const ports = await freePorts([
      { id: "core/rpc", host: "127.0.0.1", devPort: 0 },
      { id: "sv2-tp", host: "127.0.0.1", devPort: 0 },
    ]);

    log(`starting ${options.peers.core.version} (${options.peers.core.path}) on regtest in ${datadir}`);
    const core = await startCore({
      binary: options.peers.core.path,
      datadir,
      rpcPort: ports["core/rpc"] as number,
      ipc: tdp !== undefined,
      echo: options.echo,
    });
    cleanups.push(() => core.process.proc.stop(30_000));
    const key = await newRegtestKey(core.rpc);
    const fundStart = Date.now();
    // Coins for every path's fill, with a tenth to spare.
    const coinsNeeded = Math.ceil((options.paths.length * options.mempoolBytes * FILL_INPUTS * 1.1) / FILL_TX_BYTES);
    const utxos = await fundKey(core.rpc, key, Math.ceil(coinsNeeded / OUTPUTS_PER_FAN_OUT), OUTPUTS_PER_FAN_OUT);
    log(
      `funded ${utxos.length} coins to ${key.address} in ${Date.now() - fundStart} ms (height ${await core.rpc.call<number>("getblockcount")})`,
    );

    let tp: TemplateProvider | undefined;
    if (tdp) {
      tp = await startTemplateProvider({ binary: tdp.path, datadir, port: ports["sv2-tp"] as number, echo: options.echo });
      // sv2-tp logs each block it handed to Core and whether Core took it (its only answer to SubmitSolution).
      tp.process.watch((line) => {
        const wrote = /Wrote block ([0-9a-f]{64}) .*\(submitted=(\d)\)/.exec(line);
        if (wrote) tpSubmitted.set(wrote[1] as string, wrote[2] === "1");
      });
      cleanups.push(() => tp?.process.proc.stop(30_000));
      log(`sv2-tp listening on ${tp.address}, authority key ${tp.authorityKey}`);
    }

    const observer = await BusObserver.connect(nats.url, namespace.subjectRoot);
    cleanups.push(() => observer.close());
    const gatehouse = await Gatehouse.start({
      root: options.root,
      natsUrl: nats.url,
      redisUrl: redis.url,
      namespace,
      devDir: join(dir, "dev"),
      miners: MINERS,
      echo: options.echo,
    });
    cleanups.push(() => gatehouse.stop());

    const paths: PathSummary[] = [];
    const ctx = { core, key, utxos, observer, gatehouse, options, limits, tpSubmitted };
    for (const kind of options.paths) {
      if (kind === "rpc") paths.push(await runPath(ctx, { kind, url: core.rpcUrl, user: core.rpcUser, password: core.rpcPassword }));
      else if (tp) paths.push(await runPath(ctx, { kind, address: tp.address, authorityKey: tp.authorityKey }));
    }

    const failures = paths.flatMap((p) => p.failures);
    return {
      core: { binary: options.peers.core.path, version: options.peers.core.version },
      sv2tp: tdp
        ? { binary: tdp.path, version: tdp.version }
        : { skipped: "skipped" in options.peers.sv2tp ? (options.peers.sv2tp.skipped as string) : "the TDP path was not asked for" },
      paths,
      ok: failures.length === 0,
      failures,
      durationMs: Date.now() - startedAt,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        log(`clean-up: ${(err as Error).message}`);
      }
    }
  }
}

interface PathContext {
  core: CoreNode;
  key: RegtestKey;
  utxos: Utxo[];
  observer: BusObserver;
  gatehouse: Gatehouse;
  options: RunOptions;
  limits: Limits;
  /** Block hash → sv2-tp's "submitted" flag, from its log. */
  tpSubmitted: ReadonlyMap<string, boolean>;
}

async function runPath(ctx: PathContext, path: TemplatePath): Promise<PathSummary> {
  const { core, observer, gatehouse, options } = ctx;
  const log = (line: string) => options.log(`[${path.kind}] ${line}`);
  const source = SOURCE[path.kind];

  // Each path starts from an empty mempool, so its big block is its own fill. What the previous
  // path left is mined by Core itself (setup, not the path under test).
  const leftover = await core.rpc.call<{ size: number }>("getmempoolinfo");
  if (leftover.size > 0) {
    await core.rpc.call("generatetoaddress", [1, ctx.key.address]);
    log(`mined the ${leftover.size} transactions the previous path left, with Core's own generatetoaddress`);
  }

  await gatehouse.useTemplatePath(path);
  const tip = await core.rpc.call<number>("getblockcount");
  const live = await observer.until(() => observer.proposals.find((p) => p.source === source && p.blockHeight === tip + 1), 60_000);
  if (!live)
    log(
      `no ${source} template for height ${tip + 1} within 60 s (the verifier's last lines: ${gatehouse.tail(`template-verifier-${path.kind}`).slice(-3).join(" | ")})`,
    );

  const fillStart = Date.now();
  const fill = await fillMempool(core.rpc, ctx.key, ctx.utxos, options.mempoolBytes, FILL_INPUTS);
  const fillEnd = Date.now();
  const mempool = await core.rpc.call<{ size: number; bytes: number }>("getmempoolinfo");
  log(`mempool: ${fill.transactions} transactions, ${fill.bytes} bytes (${mempool.bytes} vbytes), sent in ${fillEnd - fillStart} ms`);

  const carried = await observer.until(
    () => observer.proposals.find((p) => p.source === source && p.receivedAtMs >= fillStart && p.txCount >= fill.transactions),
    TEMPLATE_WAIT_MS,
  );
  const mempoolToTemplateMs = carried ? Math.max(0, carried.receivedAtMs - fillEnd) : null;
  const best = observer.proposals
    .filter((p) => p.source === source && p.receivedAtMs >= fillStart)
    .reduce((m, p) => Math.max(m, p.txCount), 0);
  log(
    carried
      ? `a template carried all ${fill.transactions} transactions ${mempoolToTemplateMs} ms after the last entered the mempool`
      : `no template carried the fill within ${TEMPLATE_WAIT_MS} ms (largest template since: ${best} transactions)`,
  );

  const before = new Set(observer.blocks.keys());
  const ours = () => [...observer.blocks.values()].filter((b) => !before.has(b.hash));
  gatehouse.startMiners();
  const miningStart = Date.now();
  await observer.until(() => (ours().length >= options.blocksPerPath ? true : undefined), MINING_WAIT_MS);
  // Give the fill its chance to be mined: until the mempool is empty, a minute at most.
  while (Date.now() - miningStart < MINING_WAIT_MS && (await core.rpc.call<{ size: number }>("getmempoolinfo")).size > 0) {
    if (Date.now() - miningStart > 60_000 && ours().length >= options.blocksPerPath) break;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  await gatehouse.stopMiners();
  await observer.until(() => (ours().every((b) => b.result) ? true : undefined), RESULT_WAIT_MS);

  const blocks: ObservedBlock[] = [];
  for (const seen of ours()) {
    blocks.push({
      hash: seen.hash,
      height: seen.height,
      ...(seen.result ? { result: seen.result } : {}),
      ...(ctx.tpSubmitted.has(seen.hash) ? { tpSubmitted: ctx.tpSubmitted.get(seen.hash) } : {}),
      core: await coreFacts(core, seen.hash),
    });
  }
  const facts: PathFacts = {
    path: path.kind,
    mempool: { transactions: fill.transactions, bytes: fill.bytes, vsize: mempool.bytes },
    mempoolToTemplateMs,
    blocks,
  };
  const summary = summarizePath(facts, ctx.limits);
  for (const failure of summary.failures) log(`FAILED ${failure}`);
  for (const mismatch of summary.mismatches) log(`mismatch: ${mismatch}`);
  if (summary.failures.length > 0) {
    const lines = gatehouse.tail(`template-verifier-${path.kind}`).filter((l) => /"level":(40|50|60)/.test(l));
    for (const line of lines.slice(-5)) log(`template-verifier: ${line.slice(0, 400)}`);
  }
  return summary;
}

async function coreFacts(core: CoreNode, hash: string): Promise<CoreBlockFacts> {
  try {
    const header = await core.rpc.call<{ confirmations: number }>("getblockheader", [hash]);
    const facts: CoreBlockFacts = { known: true, activeChain: header.confirmations >= 1 };
    try {
      const block = await core.rpc.call<{ size: number; weight: number; nTx: number }>("getblock", [hash, 1]);
      Object.assign(facts, { size: block.size, weight: block.weight, txCount: block.nTx });
    } catch {
      // Header without the block's data (never received whole).
    }
    if (!facts.activeChain) {
      const tips = await core.rpc.call<{ hash: string; status: string }[]>("getchaintips");
      facts.branchStatus = tips.find((t) => t.hash === hash)?.status ?? "below a fork tip";
    }
    return facts;
  } catch (err) {
    if (err instanceof CoreRpcError && err.code === RPC_NOT_FOUND) return { known: false, activeChain: false };
    throw err;
  }
}
