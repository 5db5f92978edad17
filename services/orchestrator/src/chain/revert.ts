import { BaseError, ContractFunctionRevertedError, decodeErrorResult, type Hex, RawContractError } from "viem";
import { rewardsDistributorAbi, studioProxyAbi } from "./abi.js";

const errorAbi = [...studioProxyAbi, ...rewardsDistributorAbi];

/** A revert decoded from the ABI: a `require` string or a custom error with its arguments. */
export interface DecodedRevert {
  /** `Error` for require strings, `Panic`, or the custom error's name. */
  errorName: string;
  /** The require string, or `Name(arg, …)` for a custom error. */
  reason: string;
  args: readonly unknown[];
}

function fromData(data: Hex): DecodedRevert | undefined {
  try {
    const decoded = decodeErrorResult({ abi: errorAbi, data });
    const args = (decoded.args ?? []) as readonly unknown[];
    if ((decoded.errorName as string) === "Error") return { errorName: "Error", reason: String(args[0]), args };
    return { errorName: decoded.errorName, reason: `${decoded.errorName}(${args.map(String).join(", ")})`, args };
  } catch {
    return undefined;
  }
}

/** Decodes a contract revert out of a viem error chain; undefined when the error is not a revert. */
export function decodeRevert(err: unknown): DecodedRevert | undefined {
  if (!(err instanceof BaseError)) return undefined;
  const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
  if (reverted) {
    if (reverted.data) {
      const args = (reverted.data.args ?? []) as readonly unknown[];
      if (reverted.data.errorName === "Error") return { errorName: "Error", reason: String(args[0]), args };
      return { errorName: reverted.data.errorName, reason: `${reverted.data.errorName}(${args.map(String).join(", ")})`, args };
    }
    if (reverted.reason) return { errorName: "Error", reason: reverted.reason, args: [reverted.reason] };
    if (reverted.raw) return fromData(reverted.raw);
    return { errorName: "Unknown", reason: "execution reverted", args: [] };
  }
  const raw = err.walk((e) => e instanceof RawContractError) as RawContractError | null;
  const data = raw?.data;
  if (typeof data === "string") return fromData(data as Hex);
  if (data && typeof data === "object" && "data" in data) return fromData((data as { data: Hex }).data);
  return undefined;
}
