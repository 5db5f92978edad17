import type { Logger } from "@gatehouse/service";
import { type Address, createPublicClient, getAddress, type Hex, http } from "viem";
import { ANVIL_KEYS, Anvil } from "./anvil.js";
import { deployContracts } from "./deploy.js";
import { DevChainError } from "./dev-chain-errors.js";

/**
 * `make dev`: makes sure a local chain answers on `rpcUrl` with the contracts deployed. Starts
 * anvil (1 s blocks, deterministic accounts) when nothing answers, and deploys from account 0
 * when the RewardsDistributor address has no code. Returns the anvil it started, to stop later.
 */
export async function ensureDevChain(rpcUrl: string, rewardsDistributor: Address, logger: Logger): Promise<Anvil | undefined> {
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 2_000 }) });
  let anvil: Anvil | undefined;
  try {
    await client.getChainId();
  } catch {
    const url = new URL(rpcUrl);
    if (!["127.0.0.1", "localhost"].includes(url.hostname))
      throw new DevChainError(`dev chain: ${rpcUrl} does not answer and is not local`);
    anvil = await Anvil.start({ port: Number(url.port || 8545), blockTimeSeconds: 1 });
    logger.info({ rpcUrl }, "dev chain: started anvil");
  }
  const code = await client.getCode({ address: getAddress(rewardsDistributor) });
  if (!code || code === "0x") {
    const deployment = await deployContracts({ rpcUrl, ownerKey: ANVIL_KEYS[0] as Hex, agentKeys: ANVIL_KEYS.slice(0, 4) as Hex[] });
    logger.info({ deployment }, "dev chain: contracts deployed");
    if (deployment.rewardsDistributor.toLowerCase() !== rewardsDistributor.toLowerCase()) {
      throw new DevChainError(
        `dev chain: RewardsDistributor deployed at ${deployment.rewardsDistributor}, config says ${rewardsDistributor}`,
      );
    }
  }
  return anvil;
}
