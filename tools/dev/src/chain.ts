// The dev stack's EVM: anvil from the @foundry-rs/anvil-linux-amd64 npm package, with the
// orchestrator's contracts deployed by its own deploy tool.
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { PlanError } from "./errors.js";

const run = promisify(execFile);

export interface Deployment {
  chainId: number;
  rewardsDistributor: string;
  studioProxy: string;
  owner: string;
}

/** The anvil binary the orchestrator's dependency installs (resolved from the repository root). */
export function anvilBinary(root: string): string {
  const require = createRequire(join(root, "package.json"));
  return join(dirname(require.resolve("@foundry-rs/anvil-linux-amd64/package.json")), "bin", "anvil");
}

export async function chainAnswers(rpcUrl: string): Promise<boolean> {
  try {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    return res.ok && typeof ((await res.json()) as { result?: unknown }).result === "string";
  } catch {
    return false;
  }
}

/**
 * Deploys RewardsDistributor and StudioProxy from anvil account 0 and registers accounts 0–3 as
 * agents (`services/orchestrator/dist/tools/deploy.js`); fails unless the RewardsDistributor lands
 * where the orchestrator's config expects it.
 */
export async function deployContracts(root: string, rpcUrl: string, expectedRewardsDistributor: string): Promise<Deployment> {
  const tool = join(root, "services", "orchestrator", "dist", "tools", "deploy.js");
  const { stdout } = await run(process.execPath, [tool, "--rpc-url", rpcUrl, "--agents", "4"], { cwd: root, timeout: 60_000 });
  const deployment = JSON.parse(stdout.trim().split("\n").pop() as string) as Deployment;
  if (deployment.rewardsDistributor.toLowerCase() !== expectedRewardsDistributor.toLowerCase()) {
    throw new PlanError(
      `RewardsDistributor deployed at ${deployment.rewardsDistributor}, services/orchestrator/config/dev.toml says ${expectedRewardsDistributor} (was the chain fresh?)`,
    );
  }
  return deployment;
}
