// The orchestrator path's invariants after the run: every workflow COMPLETED, the orchestrator
// knows no workflow the clients did not submit, and the chain shows each transaction once: one
// submitWork and one registerWork per work, one score and one registerValidator per (work,
// validator), one closeEpoch per epoch; per signer, the orchestrator's persisted nonces are one
// contiguous run, each mined by one of the hashes it signed for it (the first or a
// replacement), and nothing is left unmined.
import type { Stack } from "@gatehouse/dev";
import { GatewayClient } from "@gatehouse/sdk";
import pg from "pg";
import { type Address, createPublicClient, decodeFunctionData, type Hex, http } from "viem";
import { rewardsDistributorAbi, studioProxyAbi } from "../../../services/orchestrator/src/chain/abi.js";
import type { WorkflowLoad } from "./workflows.js";

export interface WorkflowCounts {
  rounds: number;
  workflows: number;
  completed: number;
  byKind: Record<string, number>;
  /** Submissions the clients had to send again because the orchestrator was down. */
  resubmissions: number;
  clientErrors: Record<string, number>;
  longestMs: number;
  transactions: number;
  replacedTransactions: number;
  /** Transactions beyond the first for one action (a submitWork, a closeEpoch, …): must be 0. */
  duplicateTransactions: number;
  epochsClosed: number;
  nonces: Record<string, { first: number; next: number }>;
}

interface MinedTx {
  hash: Hex;
  from: string;
  nonce: number;
  to: string | null;
  input: Hex;
}

/** The transaction each call makes and the arguments that identify what it does. */
function identify(tx: MinedTx, studio: string, distributor: string): string | undefined {
  const to = tx.to?.toLowerCase();
  try {
    if (to === studio) {
      const { functionName, args } = decodeFunctionData({ abi: studioProxyAbi, data: tx.input });
      if (functionName === "submitWork" || functionName === "submitWorkMultiAgent") return `submitWork ${args[0]}`;
      if (functionName === "submitScoreVectorForWorker")
        return `submitScore ${args[0]} by ${tx.from.toLowerCase()} for ${String(args[1]).toLowerCase()}`;
      return functionName === "registerAgent" ? `registerAgent ${tx.from.toLowerCase()}` : `${functionName} ${tx.hash}`;
    }
    if (to === distributor) {
      const { functionName, args } = decodeFunctionData({ abi: rewardsDistributorAbi, data: tx.input });
      if (functionName === "registerWork") return `registerWork ${args[1]} ${args[2]}`;
      if (functionName === "registerValidator") return `registerValidator ${args[0]} ${String(args[1]).toLowerCase()}`;
      if (functionName === "closeEpoch") return `closeEpoch ${args[1]}`;
    }
  } catch {
    return `undecodable ${tx.hash}`;
  }
  return undefined;
}

interface TxRecord {
  key: string;
  signer: string;
  nonce: number;
  hashes: Hex[];
}

/** What the orchestrator persisted: its signed transactions and each signer's next nonce (its PostgreSQL store). */
async function orchestratorTransactions(stack: Stack): Promise<{ records: TxRecord[]; nextNonce: Map<string, number> }> {
  const client = new pg.Client({ connectionString: stack.postgresUrl });
  const schema = `"${stack.namespace.postgresSchema}"`;
  await client.connect();
  try {
    const txs = await client.query<{ key: string; signer: string; nonce: string; hashes: Hex[] }>(
      `SELECT key, signer, nonce, hashes FROM ${schema}.transactions`,
    );
    const records = txs.rows.map((row) => ({
      key: row.key,
      signer: row.signer.toLowerCase(),
      nonce: Number(row.nonce),
      hashes: row.hashes,
    }));
    const signers = await client.query<{ signer: string; next_nonce: string | null }>(`SELECT signer, next_nonce FROM ${schema}.signers`);
    const nextNonce = new Map<string, number>();
    for (const row of signers.rows) if (row.next_nonce !== null) nextNonce.set(row.signer.toLowerCase(), Number(row.next_nonce));
    return { records, nextNonce };
  } finally {
    await client.end();
  }
}

export async function checkWorkflows(stack: Stack, load: WorkflowLoad): Promise<{ counts: WorkflowCounts; violations: string[] }> {
  const violations: string[] = [];
  const records = load.records;
  for (const r of records) {
    if (r.state !== "COMPLETED") violations.push(`${r.kind} workflow ${r.id} (epoch ${r.epoch}) ended ${r.state}: ${r.error ?? ""}`);
  }

  // The orchestrator's own list: exactly the workflows the clients got ids for (a resubmission
  // that created a second workflow would show here).
  const client = new GatewayClient({ baseUrl: stack.endpoints("orchestrator").rest as string });
  const listed = await client.listWorkflows({ studio: stack.deployment.studioProxy });
  const ours = new Set(records.map((r) => r.id));
  for (const w of listed)
    if (!ours.has(w.workflowId))
      violations.push(`the orchestrator holds ${w.workflowType} ${w.workflowId} (${w.state}) that no client submitted`);
  if (listed.length !== records.length)
    violations.push(`the orchestrator lists ${listed.length} workflows for the studio, the clients submitted ${records.length}`);

  // Every transaction on the chain.
  const rpcUrl = stack.plan.chain.rpcUrl;
  const chain = createPublicClient({ transport: http(rpcUrl) });
  const head = await chain.getBlockNumber();
  const mined = new Map<string, MinedTx>();
  const byWhat = new Map<string, MinedTx[]>();
  const studio = stack.deployment.studioProxy.toLowerCase();
  const distributor = stack.deployment.rewardsDistributor.toLowerCase();
  for (let n = 0n; n <= head; n++) {
    for (const tx of (await chain.getBlock({ blockNumber: n, includeTransactions: true })).transactions) {
      const t: MinedTx = { hash: tx.hash, from: tx.from.toLowerCase(), nonce: tx.nonce, to: tx.to, input: tx.input };
      mined.set(`${t.from}:${t.nonce}`, t);
      const what = identify(t, studio, distributor);
      if (what) byWhat.set(what, [...(byWhat.get(what) ?? []), t]);
    }
  }
  let duplicateTransactions = 0;
  for (const [what, txs] of byWhat) {
    if (txs.length <= 1) continue;
    duplicateTransactions += txs.length - 1;
    violations.push(`${txs.length} transactions for "${what}": ${txs.map((t) => t.hash).join(", ")}`);
  }
  const once = async (what: string) => {
    const txs = byWhat.get(what) ?? [];
    if (txs.length !== 1) {
      violations.push(`expected one transaction for "${what}", found ${txs.length}`);
      return;
    }
    const receipt = await chain.getTransactionReceipt({ hash: (txs[0] as MinedTx).hash });
    if (receipt.status !== "success") violations.push(`"${what}" reverted (${receipt.transactionHash})`);
  };
  let epochsClosed = 0;
  for (const round of load.rounds) {
    const { work, score, close } = round.workflows;
    const validator = round.validator.toLowerCase();
    if (work?.state === "COMPLETED") {
      await once(`submitWork ${round.dataHash}`);
      await once(`registerWork ${round.epoch} ${round.dataHash}`);
    }
    if (score?.state === "COMPLETED") {
      await once(`submitScore ${round.dataHash} by ${validator} for ${round.worker.toLowerCase()}`);
      await once(`registerValidator ${round.dataHash} ${validator}`);
    }
    if (close?.state === "COMPLETED") {
      await once(`closeEpoch ${round.epoch}`);
      epochsClosed += 1;
    }
  }
  const closings = await chain.getContractEvents({
    address: distributor as Address,
    abi: rewardsDistributorAbi,
    eventName: "EpochClosed",
    fromBlock: 0n,
  });
  const closedEpochs = closings.map((log) => Number(log.args.epoch));
  if (new Set(closedEpochs).size !== closedEpochs.length) violations.push(`EpochClosed twice for an epoch: ${closedEpochs.join(", ")}`);

  // Nonces: what the orchestrator signed against what the chain mined.
  const { records: txs, nextNonce } = await orchestratorTransactions(stack);
  const nonces: Record<string, { first: number; next: number }> = {};
  const signers = new Set(txs.map((t) => t.signer));
  for (const signer of signers) {
    const own = txs.filter((t) => t.signer === signer).sort((a, b) => a.nonce - b.nonce);
    const first = (own[0] as TxRecord).nonce;
    own.forEach((t, i) => {
      if (t.nonce !== first + i)
        violations.push(`${signer}: nonce ${first + i} has no transaction of the orchestrator's, next is ${t.nonce} (${t.key})`);
      const onChain = mined.get(`${signer}:${t.nonce}`);
      if (!onChain) violations.push(`${signer}: nonce ${t.nonce} (${t.key}) was never mined`);
      else if (!t.hashes.includes(onChain.hash))
        violations.push(`${signer}: nonce ${t.nonce} mined ${onChain.hash}, which ${t.key} did not sign`);
    });
    const next = first + own.length;
    nonces[signer] = { first, next };
    if (nextNonce.get(signer) !== next)
      violations.push(`${signer}: the orchestrator's next nonce is ${nextNonce.get(signer)}, its transactions end at ${next - 1}`);
    const [latest, pending] = await Promise.all([
      chain.getTransactionCount({ address: signer as Address, blockTag: "latest" }),
      chain.getTransactionCount({ address: signer as Address, blockTag: "pending" }),
    ]);
    if (latest !== next || pending !== next)
      violations.push(`${signer}: chain nonce ${latest} (pending ${pending}), the orchestrator's transactions end at ${next - 1}`);
  }

  const byKind: Record<string, number> = {};
  for (const r of records) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
  return {
    counts: {
      rounds: load.rounds.length,
      workflows: records.length,
      completed: records.filter((r) => r.state === "COMPLETED").length,
      byKind,
      resubmissions: records.reduce((n, r) => n + r.submissions - 1, 0),
      clientErrors: { ...load.clientErrors },
      longestMs: Math.max(0, ...records.map((r) => (r.final ? r.final.updatedAt - r.final.createdAt : 0))),
      transactions: txs.length,
      replacedTransactions: txs.filter((t) => t.hashes.length > 1).length,
      duplicateTransactions,
      epochsClosed,
      nonces,
    },
    violations,
  };
}
