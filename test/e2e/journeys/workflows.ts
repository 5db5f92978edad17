// Journey 4: the orchestrator through libs/sdk's GatewayClient runs work → score (direct and
// commit-reveal) → close epoch to COMPLETED, and the chain state matches.
import { GatewayClient, ScoreSubmissionMode } from "@gatehouse/sdk";
import { describe, expect, it } from "@jest/globals";
import { type Address, createPublicClient, createWalletClient, getAddress, type Hex, http, keccak256, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { rewardsDistributorAbi, studioProxyAbi } from "../../../services/orchestrator/src/chain/abi.js";
import { ANVIL_KEYS } from "../../../services/orchestrator/src/chain/anvil.js";
import type { E2E } from "../support/context.js";

export function workflowsJourney(e2e: () => E2E): void {
  describe("journey 4: the orchestrator through the SDK client", () => {
    const chain = () => {
      const { stack } = e2e();
      const rpcUrl = stack.plan.chain.rpcUrl;
      const definition = {
        id: stack.plan.chain.chainId,
        name: "anvil",
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [rpcUrl] } },
      };
      return {
        read: createPublicClient({ chain: definition, transport: http(rpcUrl), pollingInterval: 100 }),
        owner: createWalletClient({ account: privateKeyToAccount(ANVIL_KEYS[0] as Hex), chain: definition, transport: http(rpcUrl) }),
      };
    };
    const dataHash = (label: string): Hex => keccak256(stringToHex(`${e2e().stack.namespace.subjectRoot}-${label}`));
    /** A three-package DKG thread by one author. */
    const evidence = (label: string, author: string) =>
      ["a", "b", "c"].map((id, i) => ({
        arweave_tx_id: `${label}-${id}`,
        author,
        timestamp: i + 1,
        parent_ids: i === 0 ? [] : [`${label}-${["a", "b"][i - 1]}`],
        payload_hash: keccak256(stringToHex(`${label}-${id}`)),
        artifact_ids: [],
        signature: `0x${"00".repeat(65)}`,
      }));

    it("runs work → score (direct and commit-reveal) → close epoch to COMPLETED, and the chain agrees", async () => {
      const { stack } = e2e();
      const client = new GatewayClient({
        baseUrl: stack.endpoints("orchestrator").rest as string,
        pollInterval: 200,
        maxPollTime: 120_000,
      });
      const [owner, worker, verifier] = ANVIL_KEYS.slice(0, 3).map((k) => privateKeyToAccount(k as Hex).address) as [
        Address,
        Address,
        Address,
      ];
      const studio = stack.deployment.studioProxy as Address;
      const { read, owner: ownerWallet } = chain();
      const epoch = 1;
      const [workA, workB] = [dataHash("work-a"), dataHash("work-b")];

      // Two works in parallel: each signer has its own nonce stream.
      const [doneA, doneB] = await Promise.all([
        client.submitWork(studio, epoch, worker, workA, "", "", "evidence a", worker, { dkgEvidence: evidence("a", worker) }),
        client.submitWork(studio, epoch, owner, workB, "", "", "evidence b", owner, { dkgEvidence: evidence("b", owner) }),
      ]).then((started) => Promise.all(started.map((s) => client.waitForCompletion(s.workflowId))));
      for (const done of [doneA, doneB]) expect(done).toMatchObject({ state: "COMPLETED" });
      expect(await read.readContract({ address: studio, abi: studioProxyAbi, functionName: "getWorkSubmitter", args: [workA] })).toBe(
        getAddress(worker),
      );
      const registered = await read.readContract({
        address: stack.deployment.rewardsDistributor as Address,
        abi: rewardsDistributorAbi,
        functionName: "getEpochWork",
        args: [studio, BigInt(epoch)],
      });
      expect([...registered].sort()).toEqual([workA, workB].sort());

      const direct = await client.submitScore(studio, epoch, verifier, workA, [8500, 9000, 7000, 8000, 9500], verifier, {
        workerAddress: worker,
        mode: ScoreSubmissionMode.DIRECT,
      });
      const directDone = await client.waitForCompletion(direct.workflowId);
      expect(directDone.state).toBe("COMPLETED");
      const directTx = await read.getTransactionReceipt({ hash: directDone.progress.scoreTxHash as Hex });
      expect(directTx.status).toBe("success");

      // Commit-reveal on work B: the studio owner opens a commit window; the reveal follows its end.
      const commitDeadline = Math.floor(Date.now() / 1000) + 10;
      const window = await ownerWallet.writeContract({
        address: studio,
        abi: studioProxyAbi,
        functionName: "setCommitRevealDeadlines",
        args: [workB, BigInt(commitDeadline), BigInt(commitDeadline + 600)],
      });
      await read.waitForTransactionReceipt({ hash: window });
      const committed = await client.submitScore(studio, epoch, verifier, workB, [9000, 9000, 9000, 9000, 9000], verifier, {
        mode: ScoreSubmissionMode.COMMIT_REVEAL,
        salt: `0x${"ab".repeat(32)}`,
      });
      const revealed = await client.waitForCompletion(committed.workflowId);
      expect(revealed.state).toBe("COMPLETED");
      const reveal = await read.getTransactionReceipt({ hash: revealed.progress.revealTxHash as Hex });
      expect(Number((await read.getBlock({ blockNumber: reveal.blockNumber })).timestamp)).toBeGreaterThan(commitDeadline);
      expect(
        await read.readContract({
          address: studio,
          abi: studioProxyAbi,
          functionName: "getRevealedScore",
          args: [workB, getAddress(verifier)],
        }),
      ).not.toBe("0x");

      const close = await client.closeEpoch(studio, epoch, owner);
      const closed = await client.waitForCompletion(close.workflowId);
      expect(closed.state).toBe("COMPLETED");
      expect((await read.getTransactionReceipt({ hash: closed.rawProgress.close_tx_hash as Hex })).status).toBe("success");
      const closings = await read.getContractEvents({
        address: stack.deployment.rewardsDistributor as Address,
        abi: rewardsDistributorAbi,
        eventName: "EpochClosed",
        fromBlock: 0n,
      });
      expect(closings).toHaveLength(1);

      // No transaction went out twice: every signer's nonces on chain are 0..n-1 without gaps or repeats.
      const head = await read.getBlockNumber();
      const nonces = new Map<string, number[]>();
      for (let n = 0n; n <= head; n++) {
        for (const tx of (await read.getBlock({ blockNumber: n, includeTransactions: true })).transactions) {
          nonces.set(tx.from, [...(nonces.get(tx.from) ?? []), tx.nonce]);
        }
      }
      for (const [from, list] of nonces) expect({ from, nonces: list }).toEqual({ from, nonces: list.map((_, i) => i) });
    }, 180_000);
  });
}
