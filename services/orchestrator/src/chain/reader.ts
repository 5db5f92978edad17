import { type Address, getAddress, type Hex, type PublicClient, zeroAddress } from "viem";
import type { ChainReaderPort } from "../engine/ports.js";
import { rewardsDistributorAbi, studioProxyAbi } from "./abi.js";
import type { ChainHead } from "./head.js";
import { registrationRead, type WorkRegistration } from "./registration.js";

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The on-chain state reconciliation reads: the contracts are the authority. */
export class ChainReader implements ChainReaderPort {
  constructor(
    readonly client: PublicClient,
    readonly rewardsDistributor: Address,
    /** The head block number, read at most once per poll interval whatever the number of callers. */
    private readonly head: ChainHead,
  ) {}

  async workSubmitter(studio: string, dataHash: Hex): Promise<Address | undefined> {
    const submitter = await this.client.readContract({
      address: getAddress(studio),
      abi: studioProxyAbi,
      functionName: "getWorkSubmitter",
      args: [dataHash],
    });
    return submitter === zeroAddress ? undefined : submitter;
  }

  /**
   * Whether (studio, epoch, dataHash) is registered. Given the block it was last read unregistered
   * at, the work's own WorkRegistered log is looked for since then (registration.ts decides the
   * range); otherwise the epoch's work list is read. Both read the latest state; the head read
   * before them is the block the answer holds at least until.
   */
  async workRegistration(studio: string, epoch: number, dataHash: Hex, unregisteredAt?: number): Promise<WorkRegistration> {
    const head = await this.head.latest();
    const read = registrationRead(unregisteredAt === undefined ? undefined : BigInt(unregisteredAt), head);
    const registered =
      read.kind === "logs"
        ? (
            await this.client.getContractEvents({
              address: this.rewardsDistributor,
              abi: rewardsDistributorAbi,
              eventName: "WorkRegistered",
              args: { studio: getAddress(studio), epoch: BigInt(epoch), dataHash },
              fromBlock: read.fromBlock,
              toBlock: "latest",
            })
          ).length > 0
        : (await this.epochWork(studio, epoch)).includes(dataHash.toLowerCase() as Hex);
    return registered ? { registered } : { registered, unregisteredAt: Number(head) };
  }

  async epochWork(studio: string, epoch: number): Promise<readonly Hex[]> {
    return this.client.readContract({
      address: this.rewardsDistributor,
      abi: rewardsDistributorAbi,
      functionName: "getEpochWork",
      args: [getAddress(studio), BigInt(epoch)],
    });
  }

  async isValidatorRegistered(dataHash: Hex, validator: string): Promise<boolean> {
    const validators = await this.workValidators(dataHash);
    return validators.some((v) => same(v, validator));
  }

  async workValidators(dataHash: Hex): Promise<readonly Address[]> {
    return this.client.readContract({
      address: this.rewardsDistributor,
      abi: rewardsDistributorAbi,
      functionName: "getWorkValidators",
      args: [dataHash],
    });
  }

  async hasScoredWorker(studio: string, dataHash: Hex, worker: string, validator: string): Promise<boolean> {
    const [validators] = await this.client.readContract({
      address: getAddress(studio),
      abi: studioProxyAbi,
      functionName: "getScoreVectorsForWorker",
      args: [dataHash, getAddress(worker)],
    });
    return validators.some((v) => same(v, validator));
  }

  async scoreCommitment(studio: string, dataHash: Hex, validator: string): Promise<Hex | undefined> {
    const commitment = await this.client.readContract({
      address: getAddress(studio),
      abi: studioProxyAbi,
      functionName: "getScoreCommitment",
      args: [dataHash, getAddress(validator)],
    });
    return /^0x0+$/.test(commitment) ? undefined : commitment;
  }

  async hasRevealed(studio: string, dataHash: Hex, validator: string): Promise<boolean> {
    const revealed = await this.client.readContract({
      address: getAddress(studio),
      abi: studioProxyAbi,
      functionName: "getRevealedScore",
      args: [dataHash, getAddress(validator)],
    });
    return revealed !== "0x";
  }

  /** Commit and reveal deadlines (unix seconds; 0 when never set). */
  async deadlines(studio: string, dataHash: Hex): Promise<{ commit: number; reveal: number }> {
    const address = getAddress(studio);
    const [commit, reveal] = await Promise.all([
      this.client.readContract({ address, abi: studioProxyAbi, functionName: "getCommitDeadline", args: [dataHash] }),
      this.client.readContract({ address, abi: studioProxyAbi, functionName: "getRevealDeadline", args: [dataHash] }),
    ]);
    return { commit: Number(commit), reveal: Number(reveal) };
  }

  async rewardsOwner(): Promise<Address> {
    return this.client.readContract({ address: this.rewardsDistributor, abi: rewardsDistributorAbi, functionName: "owner" });
  }

  /** The transaction that closed (studio, epoch), if any: the contract has no closed flag, its log is the record. */
  async epochClosedTx(studio: string, epoch: number): Promise<Hex | undefined> {
    const logs = await this.client.getContractEvents({
      address: this.rewardsDistributor,
      abi: rewardsDistributorAbi,
      eventName: "EpochClosed",
      args: { studio: getAddress(studio), epoch: BigInt(epoch) },
      fromBlock: 0n,
      toBlock: "latest",
    });
    return logs[0]?.transactionHash ?? undefined;
  }
}
