import { createServer, type Server, type Socket } from "node:net";
import {
  assembleBlock,
  type BlockTemplate,
  bip34HeightScript,
  coinbaseMerklePath,
  compactSize,
  concat,
  hashFromDisplay,
  hashToDisplay,
  headerHash,
  merkleRootFromPath,
  parseBlockTemplate,
  parseTransaction,
  serializeHeader,
  templateTxids,
  templateWtxids,
  toHex,
  txid,
  u64le,
  u256FromBEHex,
  u256ToLE,
  witnessCommitment,
  witnessCommitmentScript,
} from "@gatehouse/bitcoin";
import {
  acceptNoise,
  encodeAuthorityPublicKey,
  issueServerIdentity,
  randomSecretKey,
  type Sv2Connection,
  xOnlyPublicKey,
} from "@gatehouse/sv2";
import type { Regtest } from "./regtest.js";

/**
 * A minimal SV2 Template Provider for tests, in the manner of Bitcoin Core's sv2-tp: real Noise (libs/sv2
 * responder with an authority-signed certificate), templates from the bcoin node's getblocktemplate,
 * transaction data on request, SubmitSolution turned into a block for submitblock, and a new
 * template announced on every connection when that block became the node's tip (as sv2-tp does on
 * each tip change; the protocol's only sign that a solution was taken).
 */
export class FakeTemplateProvider {
  readonly authorityPublicKey: string;
  readonly submissions: { hash: string; answer: unknown }[] = [];
  readonly constraints: { size: number; sigops: number }[] = [];
  #templates = new Map<bigint, BlockTemplate>();
  #nextId = 1n;
  #connections = new Set<Sv2Connection>();
  #sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    authorityXOnly: Uint8Array,
  ) {
    this.authorityPublicKey = encodeAuthorityPublicKey(authorityXOnly);
  }

  static async start(node: Regtest): Promise<FakeTemplateProvider> {
    const authoritySecretKey = randomSecretKey();
    const identity = issueServerIdentity({ authoritySecretKey, nowSeconds: Math.floor(Date.now() / 1000), validitySeconds: 3600 });
    let tp: FakeTemplateProvider | undefined;
    const server = createServer((socket) => {
      tp?.accept(socket, identity, node);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    tp = new FakeTemplateProvider(server, typeof address === "object" && address ? address.port : 0, xOnlyPublicKey(authoritySecretKey));
    return tp;
  }

  private accept(socket: Socket, identity: Parameters<typeof acceptNoise>[1]["identity"], node: Regtest): void {
    this.#sockets.add(socket);
    socket.on("error", () => undefined);
    void (async () => {
      const conn = await acceptNoise(socket, { identity });
      this.#connections.add(conn);
      for await (const m of conn.messages()) {
        if (m.type === "SetupConnection") {
          await conn.send("SetupConnectionSuccess", { usedVersion: 2, flags: 0 });
        } else if (m.type === "CoinbaseOutputConstraints") {
          this.constraints.push({ size: m.message.coinbaseOutputMaxAdditionalSize, sigops: m.message.coinbaseOutputMaxAdditionalSigops });
          await this.sendTemplate(conn, node);
        } else if (m.type === "RequestTransactionData") {
          const t = this.#templates.get(m.message.templateId);
          if (!t) await conn.send("RequestTransactionDataError", { templateId: m.message.templateId, errorCode: "template-id-not-found" });
          else
            await conn.send("RequestTransactionDataSuccess", {
              templateId: m.message.templateId,
              excessData: new Uint8Array(0),
              transactionList: t.transactions.map((tx) => tx.data),
            });
        } else if (m.type === "SubmitSolution") {
          await this.submit(m.message, node);
        }
      }
    })().catch(() => socket.destroy());
  }

  /** Sends a future NewTemplate for the node's current template and the SetNewPrevHash that activates it. */
  async sendTemplate(conn: Sv2Connection, node: Regtest): Promise<void> {
    const t = parseBlockTemplate(await node.rpc("getblocktemplate", [{ rules: ["segwit"] }]));
    const templateId = this.#nextId++;
    this.#templates.set(templateId, t);
    const commitment = witnessCommitmentScript(witnessCommitment(templateWtxids(t)));
    await conn.send("NewTemplate", {
      templateId,
      futureTemplate: true,
      version: t.version,
      coinbaseTxVersion: 2,
      coinbasePrefix: bip34HeightScript(t.height),
      coinbaseTxInputSequence: 0xfffffffe,
      coinbaseTxValueRemaining: t.coinbaseValue,
      coinbaseTxOutputsCount: 1,
      coinbaseTxOutputs: concat([u64le(0n), compactSize(commitment.length), commitment]),
      coinbaseTxLocktime: t.height - 1,
      merklePath: coinbaseMerklePath(templateTxids(t)),
    });
    await conn.send("SetNewPrevHashTdp", {
      templateId,
      prevHash: hashFromDisplay(t.previousBlockHash),
      headerTimestamp: t.curTime,
      nBits: t.bits,
      target: u256ToLE(u256FromBEHex(t.target)),
    });
  }

  private async submit(
    s: { templateId: bigint; version: number; headerTimestamp: number; headerNonce: number; coinbaseTx: Uint8Array },
    node: Regtest,
  ) {
    const t = this.#templates.get(s.templateId);
    if (!t) return;
    const root = merkleRootFromPath(txid(parseTransaction(s.coinbaseTx)), coinbaseMerklePath(templateTxids(t)));
    const header = serializeHeader({
      version: s.version,
      prevHash: hashFromDisplay(t.previousBlockHash),
      merkleRoot: root,
      time: s.headerTimestamp,
      bits: t.bits,
      nonce: s.headerNonce,
    });
    const block = assembleBlock(
      header,
      s.coinbaseTx,
      t.transactions.map((tx) => tx.data),
    );
    const answer = await node.rpc("submitblock", [toHex(block)]);
    const hash = hashToDisplay(headerHash(header));
    this.submissions.push({ hash, answer });
    if ((await node.rpc("getbestblockhash")) === hash) for (const c of this.#connections) await this.sendTemplate(c, node);
  }

  async stop(): Promise<void> {
    for (const c of this.#connections) await c.close().catch(() => undefined);
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
