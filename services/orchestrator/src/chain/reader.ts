import { type Address, encodeEventTopics, getAddress, type Hex, numberToHex, type PublicClient, zeroAddress } from "viem";
import type { ChainReaderPort } from "../engine/ports.js";
import { rewardsDistributorAbi, studioProxyAbi } from "./abi.js";
import { closedSince, closureRead, type EpochClosure, type EpochLog, walkBack } from "./epoch-closure.js";
import { EpochWorkIndex } from "./epoch-work-index.js";
import type { ChainHead } from "./head.js";
import type { LogQueryLimits, LogRange } from "./log-range.js";

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The topic of each RewardsDistributor event: a keccak of its signature, computed once. */
const EVENT_TOPIC = Object.fromEntries(
  (["WorkRegistered", "EpochClosed"] as const).map((eventName) => [
    eventName,
    encodeEventTopics({ abi: rewardsDistributorAbi, eventName })[0] as Hex,
  ]),
) as Record<"WorkRegistered" | "EpochClosed", Hex>;

/** The on-chain state reconciliation reads: the contracts are the authority. */
export class ChainReader implements ChainReaderPort {
  readonly #works: EpochWorkIndex;

  constructor(
    readonly client: PublicClient,
    readonly rewardsDistributor: Address,
    /** The head block number, read at most once per poll interval whatever the number of callers. */
    private readonly head: ChainHead,
    /** How wide a log query may be and the oldest block one needs to look at (log-range.ts). */
    private readonly logLimits: LogQueryLimits,
  ) {
    this.#works = new EpochWorkIndex(
      {
        head: () => this.head.latest(),
        list: (studio, epoch) => this.epochWork(studio, epoch),
        registeredSince: async (studio, epoch, fromBlock) =>
          // WorkRegistered's third indexed field is the data hash: its topic is the hash itself.
          (await this.#logs(studio, epoch, { fromBlock, toBlock: "latest" }, [EVENT_TOPIC.WorkRegistered])).flatMap((log) =>
            log.topics[3] ? [log.topics[3]] : [],
          ),
      },
      logLimits,
    );
  }

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
   * Whether (studio, epoch, dataHash) is registered, from this replica's index of the epoch's works
   * (epoch-work-index.ts): the list read once per epoch, then the epoch's `WorkRegistered` logs since.
   */
  isWorkRegistered(studio: string, epoch: number, dataHash: Hex): Promise<boolean> {
    return this.#works.isRegistered(studio, epoch, dataHash);
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

  /**
   * Whether (studio, epoch) was closed, and by which transaction: the contract has no closed flag,
   * its EpochClosed log is the record. Given the head block it was last seen unclosed at, only the
   * blocks since are looked at; otherwise the walk back to the epoch's first registration
   * (epoch-closure.ts decides). Every query is a range log-range.ts bounds.
   */
  async epochClosure(studio: string, epoch: number, unclosedAt?: number): Promise<EpochClosure> {
    const head = await this.head.latest();
    const read = closureRead(unclosedAt === undefined ? undefined : BigInt(unclosedAt), head, this.logLimits);
    const logsIn = (range: LogRange, events: ReadonlyArray<EpochLog["event"]>) => this.epochLogs(studio, epoch, range, events);
    const closedBy =
      read.kind === "since"
        ? await closedSince(read.fromBlock, head, this.logLimits, logsIn)
        : await walkBack((await this.epochWorkAt(studio, epoch, head)).length, head, this.logLimits, logsIn);
    return closedBy ? { closed: true, txHash: closedBy } : { closed: false, unclosedAt: Number(head) };
  }

  /** The epoch's work list as it stood at block `block`. */
  private epochWorkAt(studio: string, epoch: number, block: bigint): Promise<readonly Hex[]> {
    return this.client.readContract({
      address: this.rewardsDistributor,
      abi: rewardsDistributorAbi,
      functionName: "getEpochWork",
      args: [getAddress(studio), BigInt(epoch)],
      blockNumber: block,
    });
  }

  /** The logs of `events` of (studio, epoch) in `range`, in chain order: one eth_getLogs. */
  private async epochLogs(studio: string, epoch: number, range: LogRange, events: ReadonlyArray<EpochLog["event"]>): Promise<EpochLog[]> {
    const logs = await this.#logs(
      studio,
      epoch,
      range,
      events.map((event) => EVENT_TOPIC[event]),
    );
    return logs.flatMap((log) => {
      const event = events.find((e) => EVENT_TOPIC[e] === log.topics[0]);
      if (!event || log.blockNumber === null || log.transactionHash === null) return [];
      return [{ event, blockNumber: BigInt(log.blockNumber), transactionHash: log.transactionHash }];
    });
  }

  /** The RewardsDistributor's logs with one of `topics` of (studio, epoch) in `range` (its events are indexed by studio, then epoch). */
  #logs(studio: string, epoch: number, range: LogRange, topics: Hex[]) {
    const [, studioTopic, epochTopic] = encodeEventTopics({
      abi: rewardsDistributorAbi,
      eventName: "EpochClosed",
      args: { studio: getAddress(studio), epoch: BigInt(epoch) },
    });
    return this.client.request({
      method: "eth_getLogs",
      params: [
        {
          address: this.rewardsDistributor,
          topics: [topics, studioTopic as Hex, epochTopic as Hex],
          fromBlock: numberToHex(range.fromBlock),
          toBlock: range.toBlock === "latest" ? "latest" : numberToHex(range.toBlock),
        },
      ],
    });
  }
}
