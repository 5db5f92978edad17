import { hashToDisplay } from "@gatehouse/bitcoin";
import { GatewayMode, GatewayReason } from "@gatehouse/proto/mining/v1";
import { GrpcError, GrpcStatus, type ServiceContext, serviceStatus } from "@gatehouse/service";
import type { Config } from "../config.js";
import type { Edge } from "../server/edge.js";
import type { ModeState } from "../server/mode-state.js";
import type { MinerSession } from "../server/session.js";
import type { TemplateBook } from "../templates/book.js";
import type { VerifierLink } from "../verifier-link.js";

export interface AdminDeps {
  ctx: ServiceContext<Config>;
  link: VerifierLink;
  edge: Edge | undefined;
  book: TemplateBook;
  modeState: ModeState;
}

const PRINTABLE = /^[\x20-\x7e]{0,255}$/;

function connectionView(session: MinerSession) {
  return {
    connectionId: session.connectionId,
    peerAddress: session.peerAddress,
    openedAtUnixMs: BigInt(session.openedAt),
    messagesIn: BigInt(session.messagesIn),
    bytesIn: BigInt(session.bytesIn),
    channels: [...session.channels.values()].map(({ channel }) => ({
      channelId: channel.channelId,
      workerId: channel.workerId,
      poolAccountId: channel.poolAccountId,
      extranoncePrefix: Buffer.from(channel.extranoncePrefix).toString("hex"),
      difficulty: channel.difficulty,
      acceptedShares: BigInt(channel.shares.accepted),
      rejectedShares: BigInt(channel.shares.rejected),
      sharesSum: channel.shares.sharesSum,
      prevHash: channel.tip ? hashToDisplay(channel.tip.prevHash) : "",
      templateId: channel.tip?.templateId ?? 0n,
    })),
  };
}

/** The miner edge's gRPC admin: status, connections and channels, disconnect, mode and template. */
export function adminService(deps: AdminDeps) {
  const sessions = () => [...(deps.edge?.sessions.values() ?? [])];
  return {
    getStatus: async () => ({ status: await serviceStatus(deps.ctx), verifier: deps.link.snapshot() }),
    listConnections: async (req: { workerId: string; limit: number }) => {
      if (req.limit > 1000) throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, "limit is at most 1000");
      const all = sessions();
      const matching = req.workerId ? all.filter((s) => [...s.channels.values()].some((c) => c.channel.workerId === req.workerId)) : all;
      return { connections: matching.slice(0, req.limit || 100).map(connectionView), total: all.length };
    },
    disconnect: async (req: { connectionId: bigint; reason: string }) => {
      if (!PRINTABLE.test(req.reason))
        throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, "reason must be printable ASCII, at most 255 characters");
      const session = deps.edge?.sessions.get(req.connectionId);
      if (!session) throw new GrpcError(GrpcStatus.NOT_FOUND, `no connection ${req.connectionId}`);
      await session.shutdown(GatewayReason.GATEWAY_REASON_UNSPECIFIED, req.reason || "disconnected-by-operator");
      return {};
    },
    getMode: async () => {
      const current = deps.book.current;
      return {
        configured: GatewayMode[deps.modeState.configured],
        effective: GatewayMode[deps.modeState.effective],
        degraded: deps.modeState.degraded,
        cachedTemplates: deps.book.size,
        ...(current
          ? {
              current: {
                templateId: current.proposal.templateId,
                prevHash: current.proposal.prevHash,
                blockHeight: current.proposal.blockHeight,
                verdict: current.verdict,
                receivedAtUnixMs: BigInt(current.receivedAt),
              },
            }
          : {}),
      };
    },
  };
}
