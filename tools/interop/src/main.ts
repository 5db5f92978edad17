#!/usr/bin/env node
// make interop: the mining path against a real Bitcoin Core and sv2-tp the user has installed.
// Progress on stderr; one JSON summary line on stdout. Exit 0 when every check passed, 1 when one
// failed, 2 when the peers it needs are missing (it says which), 64 on a usage error.
import { parseArgs } from "node:util";
import { repositoryRoot } from "@gatehouse/dev";
import { DEFAULT_LIMITS } from "./checks.js";
import { locatePeers, MissingPeersError, WHAT_IS_NEEDED } from "./peers.js";
import { type PathKind, runInterop } from "./run.js";

const USAGE = `usage: make interop [INTEROP_ARGS="--blocks N --mempool-mb X --echo"]
  --paths rpc,tdp  which template paths to run (default: rpc, and tdp when sv2-tp is there)
  --blocks N       blocks to find through Gatehouse on each path (default 4)
  --mempool-mb X   megabytes of transactions in the mempool before each path mines (default 1.7)
  --echo           copy every process's output to stderr
Peers: BITCOIND=/path/to/bitcoin-node (or bitcoind), SV2_TP=/path/to/sv2-tp, else found on PATH.`;

function fail(code: number, message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let values: { paths?: string; blocks?: string; "mempool-mb"?: string; echo?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        paths: { type: "string" },
        blocks: { type: "string" },
        "mempool-mb": { type: "string" },
        echo: { type: "boolean" },
        help: { type: "boolean" },
      },
    }));
  } catch (err) {
    fail(64, `${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) fail(0, USAGE);
  const blocks = Number(values.blocks ?? 4);
  const mempoolMb = Number(values["mempool-mb"] ?? 1.7);
  if (!Number.isInteger(blocks) || blocks < 1) fail(64, `--blocks must be a positive integer\n${USAGE}`);
  const asked = values.paths?.split(",").map((p) => p.trim());
  if (asked && (asked.length === 0 || asked.some((p) => p !== "rpc" && p !== "tdp"))) fail(64, `--paths takes rpc, tdp or both\n${USAGE}`);
  if (!(mempoolMb >= 0.1 && mempoolMb <= 3)) fail(64, `--mempool-mb must be between 0.1 and 3 (a block holds at most 4M weight)\n${USAGE}`);

  let peers: ReturnType<typeof locatePeers>;
  try {
    peers = locatePeers();
  } catch (err) {
    if (err instanceof MissingPeersError) fail(2, `make interop: ${err.message}`);
    throw err;
  }
  const hasTp = "path" in peers.sv2tp;
  if (asked?.includes("tdp") && !hasTp)
    fail(2, `make interop: the TDP path needs sv2-tp: ${(peers.sv2tp as { skipped: string }).skipped}\n${WHAT_IS_NEEDED}`);
  const paths = (asked ?? (hasTp ? ["rpc", "tdp"] : ["rpc"])) as PathKind[];
  const log = (line: string) => process.stderr.write(`[interop] ${line}\n`);
  log(`Bitcoin Core: ${peers.core.version} (${peers.core.path})`);
  log(
    "path" in peers.sv2tp
      ? `sv2-tp: ${peers.sv2tp.version} (${peers.sv2tp.path})`
      : `sv2-tp: not used (${peers.sv2tp.skipped}); the TDP path is not run`,
  );

  const summary = await runInterop({
    peers,
    root: repositoryRoot(),
    paths,
    blocksPerPath: blocks,
    mempoolBytes: Math.round(mempoolMb * 1_000_000),
    limits: DEFAULT_LIMITS,
    echo: values.echo === true,
    log,
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exit(summary.ok ? 0 : 1);
}

main().catch((err: unknown) => fail(1, `make interop: ${(err as Error).stack ?? String(err)}`));
