import { create } from "@bufbuild/protobuf";
import { type TemplateProposal, TemplateProposalSchema, type TemplateTransaction } from "@gatehouse/proto/mining/v1";
import type { TemplateVerifierAdminService } from "@gatehouse/proto/templateverifier/v1";
import { GrpcError, GrpcStatus, type ServiceImpl } from "@gatehouse/service";
import { PolicyLoadError } from "./policy/policy.js";
import type { PolicyStore } from "./policy/store.js";
import type { Verifier } from "./verifier.js";

/** GetPolicy / SetPolicy (validated before it applies) / VerifyTemplate of the admin API; GetStatus is the caller's. */
export function policyAdmin(
  policies: PolicyStore,
  verifier: Verifier,
  onApplied: (hash: string, origin: string) => void,
  /** The proposal's stored transactions (none when it names none or they cannot be read). */
  transactionsOf: (proposal: TemplateProposal) => Promise<readonly TemplateTransaction[]>,
): Omit<ServiceImpl<typeof TemplateVerifierAdminService>, "getStatus"> {
  return {
    getPolicy: () => {
      const current = policies.current;
      return {
        policyToml: policies.toToml(),
        policyHash: current?.hash ?? "",
        loaded: current !== undefined,
        loadError: policies.lastError,
        origin: current?.origin ?? "",
      };
    },
    setPolicy: (request) => {
      try {
        const loaded = policies.set(request.policyToml, "grpc");
        onApplied(loaded.hash, loaded.origin);
        return { policyHash: loaded.hash };
      } catch (err) {
        if (err instanceof PolicyLoadError)
          throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, `policy_load_error: ${err.problems.join("; ")}`);
        throw err;
      }
    },
    verifyTemplate: async (request) => {
      if (!request.proposal) throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, "proposal is required");
      const proposal = create(TemplateProposalSchema, request.proposal);
      return { verdict: verifier.decide(proposal, await transactionsOf(proposal)) };
    },
  };
}
