// The transaction manager's batching, against an in-memory store and a node that answers only
// what a send needs: submits queued for a signer share one lease with consecutive nonces, and a
// submit that drops out (no longer needed, a failed check, a failed broadcast) leaves no gap.
import { createLogger, ManualClock } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { type Address, ContractFunctionRevertedError, type Hex, type PublicClient, parseAbi, parseTransaction } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { anvil } from "viem/chains";
import { TxManager } from "./tx-manager.js";
import type { TxRecord } from "./tx-record.js";
import type { SignerLease, TxStore } from "./tx-store.js";
import { type ContractCall, SignerBusyError, TxRevertedError, UnrecordedPendingError } from "./tx-types.js";

const account = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const call: ContractCall = {
  address: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  abi: parseAbi(["function ping(uint256 n)"]),
  functionName: "ping",
  args: [1n],
};

class NodeDownError extends Error {
  override name = "NodeDownError";
}

/** One holder per signer, the next nonce and the records, as the PostgreSQL and Redis stores keep them. */
class MemoryTxStore implements TxStore {
  readonly records = new Map<string, TxRecord>();
  readonly persisted: number[][] = [];
  next: number | undefined;
  holder: string | undefined;
  /** Answers persistSigned as if the lock had expired. */
  loseLock = false;

  async load(key: string) {
    const r = this.records.get(key);
    return r && { ...r, hashes: [...r.hashes] };
  }
  async tryLock(signer: string, _ttlMs: number, owner: string) {
    if (this.holder) return undefined;
    this.holder = owner;
    return { signer: signer.toLowerCase(), token: owner, nextNonce: this.next };
  }
  async unlock(lease: SignerLease) {
    if (this.holder === lease.token) this.holder = undefined;
  }
  async nextNonce() {
    return this.next;
  }
  async persistSigned(lease: SignerLease, records: readonly TxRecord[]) {
    if (this.loseLock || this.holder !== lease.token) return 0;
    for (const r of records) this.records.set(r.key, { ...r });
    this.persisted.push(records.map((r) => r.nonce));
    const last = records[records.length - 1];
    if (last) this.next = last.nonce + 1;
    return records.length;
  }
  async markSent(keys: readonly string[], status: TxRecord["status"], sentAt: number) {
    for (const key of keys) Object.assign(this.records.get(key) as TxRecord, { status, sentAt });
  }
  async markMined() {}
  async saveReplacement() {}
}

/**
 * The node: the nonces it accepted in arrival order, a send that fails for the nonces in `refuse`,
 * a simulation that reverts as a contract's require does when `reverts` is set, and `pending`
 * transactions of the signer in its pool that no store recorded.
 */
function node({
  refuse = new Set<number>(),
  reverts,
  pending = 0,
}: {
  refuse?: ReadonlySet<number>;
  reverts?: string;
  pending?: number;
} = {}) {
  const accepted: number[] = [];
  const client = {
    estimateContractGas: async () => {
      if (reverts) throw new ContractFunctionRevertedError({ abi: call.abi, functionName: "ping", message: reverts });
      return 50_000n;
    },
    getTransactionCount: async ({ blockTag }: { blockTag: "latest" | "pending" }) => (blockTag === "pending" ? pending : 0),
    getBlock: async () => ({ baseFeePerGas: 1_000_000_000n }),
    sendRawTransaction: async ({ serializedTransaction }: { serializedTransaction: Hex }) => {
      const nonce = parseTransaction(serializedTransaction).nonce as number;
      if (refuse.has(nonce)) throw new NodeDownError(`node refused nonce ${nonce}`);
      // Later nonces are answered sooner: sends in flight together would land out of order.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 8 - 2 * nonce)));
      accepted.push(nonce);
      return "0x" as Hex;
    },
    getBlockNumber: async () => 1n,
  };
  return { client: client as unknown as PublicClient, accepted };
}

function manager(store: TxStore, client: PublicClient, checkpoint?: (...names: string[]) => Promise<void>): TxManager {
  return new TxManager({
    ...(checkpoint && { checkpoint }),
    store,
    client,
    chain: anvil,
    accounts: [account],
    confirmations: 1,
    stuckAfterMs: 30_000,
    lockTtlMs: 5_000,
    instanceId: "test",
    logger: createLogger({ service: "orchestrator-test", instanceId: "test", level: "fatal" }),
    headMaxAgeMs: 100,
    clock: new ManualClock(1_000),
  });
}

const signer = account.address as Address;
const needed = (answer: boolean) => async () => answer;

describe("TxManager batches", () => {
  it("sends the submits that queue behind a batch together, under one lease, on consecutive nonces", async () => {
    const store = new MemoryTxStore();
    const { client, accepted } = node();
    const tx = manager(store, client);
    const hashes = await Promise.all(["a", "b", "c", "d"].map((k) => tx.submit(`wf-${k}:STEP`, signer, call)));
    // The first goes out alone (nothing waited yet); the rest queued meanwhile and go out as one.
    expect(store.persisted).toEqual([[0], [1, 2, 3]]);
    // Broadcast in nonce order: none waits in the pool behind a gap.
    expect(accepted).toEqual([0, 1, 2, 3]);
    for (const [i, k] of ["a", "b", "c", "d"].entries()) {
      expect(store.records.get(`wf-${k}:STEP`)).toMatchObject({ nonce: i, status: "sent", sentAt: 1_000, hashes: [hashes[i]] });
    }
    expect(store.holder).toBeUndefined();
  });

  it("gives a submit no longer needed, or whose check failed, no nonce, and leaves no gap", async () => {
    const store = new MemoryTxStore();
    const { client } = node();
    const tx = manager(store, client);
    const failing = async (): Promise<boolean> => {
      throw new NodeDownError("check failed");
    };
    const outcomes = await Promise.allSettled([
      tx.submit("wf-a:STEP", signer, call),
      tx.submit("wf-b:STEP", signer, call, needed(true)),
      tx.submit("wf-c:STEP", signer, call, needed(false)),
      tx.submit("wf-d:STEP", signer, call, failing),
      tx.submit("wf-e:STEP", signer, call, needed(true)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect((outcomes[2] as PromiseFulfilledResult<unknown>).value).toBeUndefined();
    expect((outcomes[3] as PromiseRejectedResult).reason).toBeInstanceOf(NodeDownError);
    expect(store.persisted).toEqual([[0], [1, 2]]);
    expect([...store.records.values()].map((r) => [r.key, r.nonce])).toEqual([
      ["wf-a:STEP", 0],
      ["wf-b:STEP", 1],
      ["wf-e:STEP", 2],
    ]);
  });

  it("keeps a persisted transaction whose broadcast failed signed, to be re-broadcast, while the rest go out", async () => {
    const store = new MemoryTxStore();
    const refuse = new Set([2]);
    const { client, accepted } = node({ refuse });
    const tx = manager(store, client);
    const outcomes = await Promise.allSettled(["a", "b", "c", "d"].map((k) => tx.submit(`wf-${k}:STEP`, signer, call)));
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect(accepted).toEqual([0, 1, 3]);
    expect(store.records.get("wf-c:STEP")).toMatchObject({ nonce: 2, status: "signed" });
    expect(store.records.get("wf-d:STEP")).toMatchObject({ nonce: 3, status: "sent" });
    expect(store.next).toBe(4);
    // The step tries again: the same bytes go out on the same nonce.
    refuse.clear();
    const again = await tx.submit("wf-c:STEP", signer, call);
    expect(again).toBe(store.records.get("wf-c:STEP")?.hashes[0]);
    expect(accepted).toEqual([0, 1, 3, 2]);
    expect(store.records.get("wf-c:STEP")).toMatchObject({ nonce: 2, status: "sent" });
    expect(store.next).toBe(4);
  });

  it("fails the whole batch, persisting and sending nothing, when the lock is lost before persisting", async () => {
    const store = new MemoryTxStore();
    store.loseLock = true;
    const { client, accepted } = node();
    const tx = manager(store, client);
    const outcomes = await Promise.allSettled(["a", "b"].map((k) => tx.submit(`wf-${k}:STEP`, signer, call)));
    for (const outcome of outcomes) expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(SignerBusyError);
    expect(store.records.size).toBe(0);
    expect(accepted).toEqual([]);
    expect(store.next).toBeUndefined();
  });

  it("passes a transaction's crash points on its first send, also when a restart finds it persisted but never sent", async () => {
    const store = new MemoryTxStore();
    const { client, accepted } = node();
    // The first process dies at its checkpoint (it never returns), after persisting, before sending.
    let died!: () => void;
    const death = new Promise<void>((resolve) => {
      died = resolve;
    });
    const dying = manager(store, client, () => {
      died();
      return new Promise<void>(() => undefined);
    });
    void dying.submit("wf-a:STEP", signer, call);
    await death;
    expect(store.records.get("wf-a:STEP")?.status).toBe("signed");

    const passed: [string, number][] = [];
    const restarted = manager(store, client, async (...names) => {
      for (const name of names) passed.push([name, accepted.length]);
    });
    const hash = await restarted.submit("wf-a:STEP", signer, call);
    expect(hash).toBe(store.records.get("wf-a:STEP")?.hashes[0]);
    // After signing, before the send; after the send, once marked sent.
    expect(passed).toEqual([
      ["after_sign:STEP", 0],
      ["after_broadcast:STEP", 1],
    ]);
    expect(store.records.get("wf-a:STEP")?.status).toBe("sent");

    // Once sent, a later submit of the same key sends nothing and passes no point again.
    await restarted.submit("wf-a:STEP", signer, call);
    expect(passed).toHaveLength(2);
    expect(accepted).toEqual([0]);
  });
});

describe("TxManager on a reverted simulation", () => {
  const reverting = (pending = 0) => node({ reverts: "Work already submitted", pending });

  it("asks stillNeeded: an effect that reached the chain since the caller read it is answered undefined, nothing sent", async () => {
    const store = new MemoryTxStore();
    const { client, accepted } = reverting();
    let asked = 0;
    const landed = async () => {
      asked += 1;
      return false;
    };
    await expect(manager(store, client).submit("wf-a:STEP", signer, call, landed)).resolves.toBeUndefined();
    expect(asked).toBe(1);
    expect(accepted).toEqual([]);
    expect(store.records.size).toBe(0);
  });

  it("throws the revert when the call is still needed, or waits when the signer has pending transactions the store lost", async () => {
    const { client } = reverting();
    await expect(manager(new MemoryTxStore(), client).submit("wf-a:STEP", signer, call, needed(true))).rejects.toBeInstanceOf(
      TxRevertedError,
    );
    await expect(manager(new MemoryTxStore(), client).submit("wf-a:STEP", signer, call)).rejects.toBeInstanceOf(TxRevertedError);
    const lost = reverting(1);
    await expect(manager(new MemoryTxStore(), lost.client).submit("wf-a:STEP", signer, call, needed(true))).rejects.toBeInstanceOf(
      UnrecordedPendingError,
    );
  });
});
