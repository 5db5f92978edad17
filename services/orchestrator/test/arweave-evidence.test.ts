// Arweave evidence against a real arlocal gateway: the adapter on its own (upload, mine, confirm,
// read back verified; an unfunded wallet, a tampering gateway, an unreachable one), then the
// orchestrator as a process with evidence.store = "arweave" carrying a work submission through.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServiceProcess, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import Arweave from "arweave";
import type { JWKInterface } from "arweave/node/lib/wallet.js";
import { decodeFunctionData, type Hex, hexToString } from "viem";
import { studioProxyAbi } from "../src/chain/abi.js";
import { parseArweaveUri, TX_ID } from "../src/evidence/arweave-protocol.js";
import { ArweaveEvidenceStore, type ArweaveStoreOptions } from "../src/evidence/arweave-store.js";
import { ArweaveInsufficientBalanceError, ArweaveUnavailableError, EvidenceIntegrityError } from "../src/evidence/errors.js";
import { workEvidenceTags } from "../src/evidence/store.js";
import { ArLocal } from "./arlocal.js";
import { AGENTS, chainClients, dataHash, evidenceFor, gateway, orchestratorConfig, setUp, type TestEnv, tearDown } from "./harness.js";

const ONE_AR = 1_000_000_000_000n;
const arweave = Arweave.init({});
let arlocal: ArLocal;
let wallet: JWKInterface;

beforeAll(async () => {
  [arlocal, wallet] = await Promise.all([ArLocal.start(), arweave.wallets.generate()]);
  await arlocal.mint(await arweave.wallets.jwkToAddress(wallet), 10n * ONE_AR);
}, 60_000);

afterAll(() => arlocal?.stop(), 15_000);

function store(overrides: Partial<ArweaveStoreOptions> = {}): Promise<ArweaveEvidenceStore> {
  return ArweaveEvidenceStore.create({
    gatewayUrl: arlocal.url,
    wallet,
    minConfirmations: 1,
    pollIntervalMs: 100,
    requestTimeoutMs: 5_000,
    ...overrides,
  });
}

/** The tags of a transaction as the gateway stores them, decoded. */
async function gatewayTags(id: string): Promise<[string, string][]> {
  const header = (await (await fetch(`${arlocal.url}/tx/${id}`)).json()) as { tags: { name: string; value: string }[] };
  const decode = (value: string) => Arweave.utils.b64UrlToString(value);
  return header.tags.map((tag) => [decode(tag.name), decode(tag.value)]);
}

const tags = workEvidenceTags({ studio: AGENTS[0] as string, epoch: 3, dataHash: dataHash("arweave-store"), agent: AGENTS[1] as string });

describe("ArweaveEvidenceStore against arlocal", () => {
  it("refuses to pay from an unfunded wallet, then uploads with ChaosChain's tags and confirms after min_confirmations", async () => {
    const outcomes: string[] = [];
    const evidence = await store({
      wallet: await arweave.wallets.generate(),
      onOperation: (operation, outcome) => outcomes.push(`${operation}:${outcome}`),
    });
    const content = Buffer.from(JSON.stringify({ session_id: "s-1", event_count: 3, merkle_root: "0xabc" }));

    const unfunded = await evidence.put(content, tags).catch((err: unknown) => err);
    expect(unfunded).toBeInstanceOf(ArweaveInsufficientBalanceError);
    expect(unfunded).toMatchObject({
      code: "ARWEAVE_INSUFFICIENT_BALANCE",
      retryable: true,
      address: evidence.address,
      balanceWinston: "0",
    });

    await arlocal.mint(evidence.address, ONE_AR);
    const { id, uri } = await evidence.put(content, tags);
    expect(id).toMatch(TX_ID);
    expect(uri).toBe(`ar://${id}`);
    expect(await arlocal.balance(evidence.address)).toBeLessThan(ONE_AR);
    expect(await gatewayTags(id)).toEqual(Object.entries(tags));

    expect(await evidence.status(id)).toBe("pending");
    await arlocal.mine(); // in a block, 0 confirmations on arlocal
    expect(await evidence.status(id)).toBe("pending");
    await arlocal.mine();
    expect(await evidence.status(id)).toBe("confirmed");
    expect(await (await store({ minConfirmations: 3 })).status(id)).toBe("pending");

    expect(Buffer.from((await evidence.get(parseArweaveUri(uri))) ?? [])).toEqual(content);
    expect(outcomes).toEqual(["put:ARWEAVE_INSUFFICIENT_BALANCE", "put:ok", "status:ok", "status:ok", "status:ok", "get:ok"]);
  });

  it("uploads evidence larger than one chunk chunk by chunk and reads it back", async () => {
    const evidence = await store();
    const content = Buffer.alloc(600 * 1024);
    for (let i = 0; i < content.length; i++) content[i] = (i * 31) % 251;
    const { id } = await evidence.put(content, tags);
    await arlocal.mine(2);
    expect(await evidence.status(id)).toBe("confirmed");
    expect(Buffer.from((await evidence.get(id)) ?? []).equals(content)).toBe(true);
  });

  it("reports unknown ids and refuses bytes the transaction did not sign", async () => {
    const evidence = await store();
    const content = Buffer.from("signed evidence");
    const { id } = await evidence.put(content, tags);
    expect(await evidence.status("A".repeat(43))).toBe("not_found");
    expect(await evidence.get("A".repeat(43))).toBeUndefined();
    expect(await evidence.status("../../etc/passwd")).toBe("not_found");

    // A gateway that flips one byte of the data it serves (headers pass through untouched).
    const tampering = await listen(
      createServer(async (request, response) => {
        const upstream = await fetch(`${arlocal.url}${request.url}`);
        const body = Buffer.from(await upstream.arrayBuffer());
        if (request.url === `/${id}`) body[0] = (body[0] as number) ^ 0xff;
        response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "text/plain" });
        response.end(body);
      }),
    );
    try {
      const viaTampering = await store({ gatewayUrl: tampering.url });
      await expect(viaTampering.get(id)).rejects.toThrow(EvidenceIntegrityError);
      await expect(viaTampering.get(id)).rejects.toThrow("does not match the signed data root");
      expect(Buffer.from((await evidence.get(id)) ?? [])).toEqual(content);
    } finally {
      await tampering.close();
    }
  });

  it("makes an unreachable gateway a retryable error", async () => {
    const closed = await listen(createServer());
    await closed.close();
    const evidence = await store({ gatewayUrl: closed.url });
    const failure = await evidence.put(Buffer.from("x"), tags).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ArweaveUnavailableError);
    expect(failure).toMatchObject({ code: "ARWEAVE_UNAVAILABLE", retryable: true });
    await expect(evidence.status("A".repeat(43))).rejects.toThrow(ArweaveUnavailableError);
  });
});

describe("orchestrator with evidence.store = arweave", () => {
  let env: TestEnv;
  let walletDir: string;

  beforeAll(async () => {
    env = await setUp("orcharweave");
    walletDir = mkdtempSync(join(tmpdir(), "gh-arweave-wallet-"));
  }, 60_000);

  afterAll(async () => {
    await tearDown(env);
    rmSync(walletDir, { recursive: true, force: true });
  }, 30_000);

  it("archives a work submission's evidence on Arweave, waits out an unfunded wallet, and submits the ar:// URI on chain", async () => {
    // The process's own wallet, unfunded at first.
    const processWallet = await arweave.wallets.generate();
    const address = await arweave.wallets.jwkToAddress(processWallet);
    const walletFile = join(walletDir, "wallet.json");
    writeFileSync(walletFile, JSON.stringify(processWallet), { mode: 0o600 });
    const proc = await ServiceProcess.start({
      service: "orchestrator",
      config: {
        ...orchestratorConfig(env, { engine: { max_stall_cycles: 50 } }),
        evidence: { store: "arweave", arweave: { gateway_url: arlocal.url, wallet_file: walletFile, poll_interval_ms: 50 } },
      },
    });
    env.processes.push(proc);
    expect(JSON.stringify(proc.lines)).not.toContain(processWallet.d as string);

    const client = gateway(proc);
    const worker = AGENTS[1] as string;
    const work = dataHash("arweave-e2e");
    const started = await client.submitWork(env.deployment.studioProxy, 4, worker, work, "", "", "archived evidence", worker, {
      dkgEvidence: evidenceFor("arweave-e2e", worker),
    });

    const unfunded = await waitFor(
      async () => {
        const wf = await client.getWorkflow(started.workflowId);
        const last = wf.rawProgress._last_error as { code?: string; message?: string } | undefined;
        return last?.code === "ARWEAVE_INSUFFICIENT_BALANCE" ? { wf, last } : undefined;
      },
      { timeoutMs: 30_000, description: "an upload refused for the unfunded wallet" },
    );
    expect(unfunded.wf.step).toBe("UPLOAD_EVIDENCE");
    expect(unfunded.last.message).toContain(`wallet ${address} has 0 winston`);

    await arlocal.mint(address, ONE_AR);
    // Mine a block whenever we look, so confirmations accrue as the workflow polls.
    const done = await waitFor(
      async () => {
        await arlocal.mine();
        const wf = await client.getWorkflow(started.workflowId);
        return wf.state === "COMPLETED" ? wf : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, description: "the workflow to complete" },
    );
    const { arweave_tx_id: id, evidence_uri: uri, arweave_confirmed, onchain_tx_hash } = done.rawProgress;
    expect(id).toMatch(TX_ID);
    expect(uri).toBe(`ar://${id}`);
    expect(arweave_confirmed).toBe(true);

    // The URI went on chain as submitWork's feedbackAuth.
    const tx = await chainClients(env).public.getTransaction({ hash: onchain_tx_hash as Hex });
    const call = decodeFunctionData({ abi: studioProxyAbi, data: tx.input });
    expect(call.functionName).toBe("submitWork");
    expect(hexToString(call.args?.[3] as Hex)).toBe(uri);

    // What was archived is the submitted evidence, under the work's tags, signed by the process's wallet.
    const reader = await store();
    expect(Buffer.from((await reader.get(parseArweaveUri(uri as string))) ?? []).toString()).toBe("archived evidence");
    expect(Object.fromEntries(await gatewayTags(id as string))).toEqual(
      workEvidenceTags({ studio: env.deployment.studioProxy, epoch: 4, dataHash: work, agent: worker }),
    );
    const header = (await (await fetch(`${arlocal.url}/tx/${id}`)).json()) as { owner: string };
    expect(await arweave.wallets.ownerToAddress(header.owner)).toBe(address);

    const metrics = await (await fetch(`${proc.endpoints.ops}/metrics`)).text();
    expect(metrics).toMatch(
      /gatehouse_orchestrator_evidence_operations_total\{store="arweave",operation="put",outcome="ARWEAVE_INSUFFICIENT_BALANCE"\} [1-9]/,
    );
    expect(metrics).toMatch(/gatehouse_orchestrator_evidence_operations_total\{store="arweave",operation="put",outcome="ok"\} 1\n/);
  }, 120_000);
});

async function listen(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
