import { type Address, createPublicClient, createWalletClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ROLE_VERIFIER, ROLE_WORKER, studioProxyAbi } from "./abi.js";
import { loadArtifacts } from "./artifacts.js";
import { DevChainError } from "./dev-chain-errors.js";

export interface Deployment {
  chainId: number;
  rewardsDistributor: Address;
  studioProxy: Address;
  owner: Address;
}

export interface DeployOptions {
  rpcUrl: string;
  /** Deploys and owns both contracts (the RewardsDistributor's onlyOwner signer). */
  ownerKey: Hex;
  treasury?: Address;
  /** Agents registered on the studio as worker + verifier, agent ids 1, 2, … in this order. */
  agentKeys?: readonly Hex[];
}

/** Deploys RewardsDistributor and a StudioProxy bound to it, then registers the given agents. */
export async function deployContracts(options: DeployOptions): Promise<Deployment> {
  const artifacts = loadArtifacts();
  const transport = http(options.rpcUrl);
  const publicClient = createPublicClient({ transport });
  const chainId = await publicClient.getChainId();
  const chain = {
    id: chainId,
    name: "local",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [options.rpcUrl] } },
  };
  const owner = privateKeyToAccount(options.ownerKey);
  const wallet = createWalletClient({ account: owner, chain, transport });
  const deploy = async (name: "RewardsDistributor" | "StudioProxy", args: readonly unknown[]): Promise<Address> => {
    const { abi, bytecode } = artifacts[name];
    const hash = await wallet.deployContract({ abi, bytecode, args });
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (receipt.status !== "success" || !receipt.contractAddress) throw new DevChainError(`${name} deployment failed`);
    return receipt.contractAddress;
  };
  const rewardsDistributor = await deploy("RewardsDistributor", [owner.address, options.treasury ?? owner.address]);
  const studioProxy = await deploy("StudioProxy", [owner.address, rewardsDistributor]);
  for (const [index, key] of (options.agentKeys ?? []).entries()) {
    const agent = privateKeyToAccount(key);
    const agentWallet = createWalletClient({ account: agent, chain, transport });
    const hash = await agentWallet.writeContract({
      address: studioProxy,
      abi: studioProxyAbi,
      functionName: "registerAgent",
      args: [BigInt(index + 1), ROLE_WORKER | ROLE_VERIFIER],
    });
    await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  }
  return { chainId, rewardsDistributor, studioProxy, owner: owner.address };
}
