import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Regtest } from "./regtest.js";

/** Bitcoin Core's long-poll check times (src/rpc/mining.cpp `getblocktemplate`): first after 1 min, then every 10 s. */
export const CORE_LONGPOLL_FIRST_CHECK_MS = 60_000;
export const CORE_LONGPOLL_RECHECK_MS = 10_000;
const TIP_CHECK_MS = 100;

interface RpcRequest {
  method: string;
  params?: unknown[];
  id?: unknown;
}

/**
 * A JSON-RPC endpoint in front of a bcoin regtest node that answers as Bitcoin Core does where
 * bcoin does not:
 * - a getblocktemplate long-poll returns at once when the tip changes, but on a mempool change only
 *   at Core's check times (≥ 60 s after the request, then every 10 s); bcoin answers at once;
 * - submitblock answers with Core's strings: `null` for a block that became the tip, `"duplicate"`
 *   for a block already known, `"inconclusive"` for a valid block that did not become the tip
 *   (bcoin says `null`), and bare BIP22 reasons (bcoin prefixes `rejected: `).
 * Everything else is passed through.
 */
export class CoreLikeRpc {
  readonly submitAnswers: unknown[] = [];

  private constructor(
    private readonly server: Server,
    private readonly node: Regtest,
    readonly url: string,
  ) {}

  static async start(node: Regtest): Promise<CoreLikeRpc> {
    let proxy: CoreLikeRpc | undefined;
    const server = createServer((req, res) => void proxy?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    proxy = new CoreLikeRpc(server, node, `http://127.0.0.1:${port}/`);
    return proxy;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = JSON.parse(Buffer.concat(chunks).toString()) as RpcRequest;
    let closed = false;
    res.once("close", () => {
      closed = true;
    });
    let body: { result: unknown; error: { code: number; message: string } | null };
    try {
      body = { result: await this.answer(request, () => closed), error: null };
    } catch (err) {
      body = { result: null, error: { code: -1, message: (err as Error).message.replace(/^bcoin \w+: /, "") } };
    }
    if (closed) return;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ...body, id: request.id ?? null }));
  }

  private async answer(request: RpcRequest, gone: () => boolean): Promise<unknown> {
    const params = request.params ?? [];
    if (request.method === "getblocktemplate") {
      const options = (params[0] ?? {}) as { longpollid?: string };
      if (options.longpollid) return this.longPoll(options, gone);
    }
    if (request.method === "submitblock") {
      const answer = await this.submit(String(params[0]));
      this.submitAnswers.push(answer);
      return answer;
    }
    return this.node.rpc(request.method, params);
  }

  private async longPoll(options: { longpollid?: string }, gone: () => boolean): Promise<unknown> {
    const { longpollid, ...rest } = options;
    const watchedTip = (longpollid ?? "").slice(0, 64);
    const startedAt = Date.now();
    let nextCheck = startedAt + CORE_LONGPOLL_FIRST_CHECK_MS;
    while (!gone()) {
      await new Promise((resolve) => setTimeout(resolve, TIP_CHECK_MS));
      if ((await this.node.rpc<string>("getbestblockhash")) !== watchedTip) break;
      if (Date.now() >= nextCheck) {
        const template = await this.node.rpc<{ longpollid: string }>("getblocktemplate", [rest]);
        if (template.longpollid !== longpollid) return template;
        nextCheck += CORE_LONGPOLL_RECHECK_MS;
      }
    }
    return this.node.rpc("getblocktemplate", [rest]);
  }

  private async submit(hex: string): Promise<string | null> {
    const header = Buffer.from(hex.slice(0, 160), "hex");
    const display = createHash("sha256").update(createHash("sha256").update(header).digest()).digest().reverse().toString("hex");
    const known = await this.node.rpc("getblockheader", [display, true]).then(
      () => true,
      () => false,
    );
    if (known) return "duplicate";
    const answer = await this.node.rpc<string | null>("submitblock", [hex]);
    if (answer !== null) return String(answer).replace(/^rejected: /, "");
    return (await this.node.rpc<string>("getbestblockhash")) === display ? null : "inconclusive";
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
