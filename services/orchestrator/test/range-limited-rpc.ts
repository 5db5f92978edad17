// A JSON-RPC endpoint in front of anvil that refuses eth_getLogs over more blocks than a limit, as
// hosted nodes do (Infura answers -32602 "range 1000000 exceeds limit of 10000"; Alchemy -32602
// "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range …"):
// what a log query from block 0 meets on a long chain. Every other call, and every narrow enough
// query, goes on to anvil as sent (batches stay batches); eth_call is counted by function selector.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

interface RpcCall {
  jsonrpc: "2.0";
  id: number | string | null;
  method: string;
  params?: unknown[];
}

export interface RangeLimitedRpc {
  url: string;
  /** eth_getLogs calls refused as too wide. */
  readonly refused: number;
  /** The widest eth_getLogs range (blocks, both ends included) passed on to anvil. */
  readonly widestPassed: bigint;
  /** eth_call calls of the function with this selector (`0x` and 4 bytes) passed on to anvil. */
  ethCalls(selector: string): number;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function rangeLimitedRpc(upstream: string, maxRangeBlocks: bigint): Promise<RangeLimitedRpc> {
  const forward = async (payload: unknown): Promise<unknown> => {
    const response = await fetch(upstream, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
    });
    return response.json();
  };
  const latest = async () =>
    BigInt(((await forward({ jsonrpc: "2.0", id: 0, method: "eth_blockNumber", params: [] })) as { result: string }).result);
  /** The blocks an eth_getLogs filter covers, tags resolved as a node resolves them; undefined for a block-hash filter. */
  const blocksOf = async (filter: { fromBlock?: string; toBlock?: string; blockHash?: string }): Promise<bigint | undefined> => {
    if (filter.blockHash) return undefined;
    const head = await latest();
    const resolve = (tag: string | undefined) =>
      tag === undefined || !tag.startsWith("0x") ? (tag === "earliest" ? 0n : head) : BigInt(tag);
    return resolve(filter.toBlock) - resolve(filter.fromBlock) + 1n;
  };

  const state = { refused: 0, widestPassed: 0n };
  const ethCalls = new Map<string, number>();
  const server = createServer(async (req, res) => {
    const sent = JSON.parse(await body(req)) as RpcCall | RpcCall[];
    const calls = Array.isArray(sent) ? sent : [sent];
    const refusals: unknown[] = [];
    const passed: RpcCall[] = [];
    for (const call of calls) {
      const blocks = call.method === "eth_getLogs" ? await blocksOf((call.params?.[0] ?? {}) as Record<string, string>) : undefined;
      if (blocks !== undefined && blocks > maxRangeBlocks) {
        state.refused++;
        refusals.push({
          jsonrpc: "2.0",
          id: call.id,
          error: { code: -32602, message: `range ${blocks} exceeds limit of ${maxRangeBlocks}` },
        });
        continue;
      }
      if (blocks !== undefined && blocks > state.widestPassed) state.widestPassed = blocks;
      if (call.method === "eth_call") {
        const request = call.params?.[0] as { data?: string; input?: string } | undefined;
        const selector = String(request?.data ?? request?.input).slice(0, 10);
        ethCalls.set(selector, (ethCalls.get(selector) ?? 0) + 1);
      }
      passed.push(call);
    }
    const answered = passed.length === 0 ? [] : await forward(passed);
    const answers = [...(answered as unknown[]), ...refusals];
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(Array.isArray(sent) ? answers : answers[0]));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get refused() {
      return state.refused;
    },
    get widestPassed() {
      return state.widestPassed;
    },
    ethCalls: (selector) => ethCalls.get(selector.toLowerCase()) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
