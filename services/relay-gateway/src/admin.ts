import { RelayGatewayAdminService } from "@gatehouse/proto/relaygateway/v1";
import { type Clock, pollUntil, type ServiceContext, serviceStatus } from "@gatehouse/service";
import type { Config } from "./config/config.js";
import type { Gateway } from "./gateway.js";
import type { ConfidentialRelayHandler } from "./handlers/confidentialrelay/handler.js";
import type { MemberStatus } from "./network/member-status.js";

export interface AdminDeps {
  ctx: ServiceContext<Config>;
  gateway: Gateway;
  handler: ConfidentialRelayHandler;
  status: MemberStatus;
  quorum: number;
  clock: Clock;
}

/** gRPC admin: status, DON members, active requests, and drain. */
export function registerAdmin({ ctx, gateway, handler, status, quorum, clock }: AdminDeps): void {
  const { don, gateway_id } = ctx.config;
  ctx.grpc.add(RelayGatewayAdminService, {
    getStatus: async () => ({ status: await serviceStatus(ctx) }),
    getDonStatus: async () => ({
      donId: don.don_id,
      gatewayId: gateway_id,
      f: don.f,
      quorumType: don.quorum_type,
      quorum,
      reachableMembers: status.reachableCount(),
      draining: gateway.draining,
      members: don.members.map((m) => ({
        name: m.name,
        address: m.address,
        reachable: status.reachable(m),
        lastAckUnixMs: BigInt(status.lastAck(m)),
        responsesTotal: BigInt(handler.nodeCounts(m.address).received),
        droppedTotal: BigInt(handler.nodeCounts(m.address).dropped),
        sendFailuresTotal: BigInt(status.sendFailures(m)),
      })),
    }),
    listActiveRequests: async (request) => {
      const all = handler.activeRequests();
      const now = clock.now();
      return {
        total: all.length,
        requests: all.slice(0, request.limit || 100).map((ar) => ({
          requestKey: ar.key,
          jsonrpcId: ar.request.id,
          sender: ar.sender,
          method: ar.request.method,
          ageMs: BigInt(Math.max(0, now - ar.createdAt)),
          responses: ar.responses.size,
        })),
      };
    },
    drain: async (request) => {
      gateway.drain();
      await pollUntil(() => handler.activeCount === 0, { timeoutMs: Number(request.timeoutMs || 10_000n), intervalMs: 20, clock });
      return { remaining: handler.activeCount };
    },
  });
}
