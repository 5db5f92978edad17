// Which real peers the user has: Bitcoin Core (`bitcoin-node` or `bitcoind`, v30 or later) and,
// optionally, sv2-tp, named by BITCOIND / SV2_TP or found on PATH. Nothing here is installed or
// built by the suite; without Core it says what it needs.
import { execFileSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** The oldest Core whose IPC mining interface and RPC answers the suite expects. */
export const MIN_CORE_MAJOR = 30;

export interface Peer {
  path: string;
  /** First line of `-version`, e.g. "Bitcoin Core daemon version v30.2.0". */
  version: string;
}

export interface Peers {
  core: Peer & { major: number; ipc: boolean };
  /** Absent: only the RPC path runs. */
  sv2tp: (Peer & { skipped?: undefined }) | { skipped: string };
}

/** What is missing, phrased for the user. */
export class MissingPeersError extends Error {
  override readonly name = "MissingPeersError";
}

export const WHAT_IS_NEEDED = [
  "make interop needs Bitcoin Core v30 or later, and optionally sv2-tp (the Stratum v2 Template Provider):",
  "  - Bitcoin Core: `bitcoin-node` (built with -DENABLE_IPC=ON; needed for the TDP path) or `bitcoind` on PATH,",
  "    or its path in BITCOIND=/path/to/bitcoin-node",
  "  - sv2-tp (github.com/stratum-mining/sv2-tp) on PATH or SV2_TP=/path/to/sv2-tp, built for the same Core release",
  "    (sv2-tp's README names the Core version it speaks IPC with); without it only the RPC path runs",
  "See docs/development.md, section make interop.",
].join("\n");

export function onPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/** "v30.99.0-1b3d58f128a5" → 30; null when the line names no version. */
export function coreMajor(versionLine: string): number | null {
  const match = /\bv(\d+)\.(\d+)/.exec(versionLine);
  return match ? Number(match[1]) : null;
}

function run(path: string, args: string[]): string {
  return execFileSync(path, args, { encoding: "utf8", timeout: 20_000, stdio: ["ignore", "pipe", "pipe"] });
}

function firstLine(text: string): string {
  return text.split("\n").find((l) => l.trim() !== "") ?? "";
}

/** Finds and probes the peers; throws MissingPeersError saying what is wrong or missing. */
export function locatePeers(env: NodeJS.ProcessEnv = process.env): Peers {
  const corePath = env.BITCOIND || onPath("bitcoin-node", env.PATH) || onPath("bitcoind", env.PATH);
  if (!corePath) throw new MissingPeersError(`no Bitcoin Core found.\n${WHAT_IS_NEEDED}`);
  let version: string;
  let help: string;
  try {
    version = firstLine(run(corePath, ["-version"]));
    help = run(corePath, ["-help"]);
  } catch (err) {
    throw new MissingPeersError(`${corePath} -version failed: ${(err as Error).message}\n${WHAT_IS_NEEDED}`);
  }
  const major = coreMajor(version);
  if (major === null || major < MIN_CORE_MAJOR) {
    throw new MissingPeersError(`${corePath} is "${version}"; Bitcoin Core v${MIN_CORE_MAJOR} or later is needed.\n${WHAT_IS_NEEDED}`);
  }
  const core = { path: corePath, version, major, ipc: help.includes("-ipcbind") };

  const tpPath = env.SV2_TP || onPath("sv2-tp", env.PATH);
  if (!tpPath) return { core, sv2tp: { skipped: "no sv2-tp on PATH and SV2_TP unset" } };
  if (!core.ipc)
    return { core, sv2tp: { skipped: `${corePath} has no IPC (-ipcbind); sv2-tp needs bitcoin-node built with -DENABLE_IPC=ON` } };
  try {
    return { core, sv2tp: { path: tpPath, version: firstLine(run(tpPath, ["-version"])) } };
  } catch (err) {
    throw new MissingPeersError(`${tpPath} -version failed: ${(err as Error).message}\n${WHAT_IS_NEEDED}`);
  }
}
