import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Abi, Hex } from "viem";
import { DevChainError } from "./dev-chain-errors.js";

export interface ContractArtifact {
  abi: Abi;
  bytecode: Hex;
}

/** dist/contracts.json, written by scripts/compile-contracts.mjs at build time (same path from src/ and dist/). */
export function contractsFile(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "contracts.json");
}

export function loadArtifacts(): Record<"StudioProxy" | "RewardsDistributor", ContractArtifact> {
  let text: string;
  try {
    text = readFileSync(contractsFile(), "utf8");
  } catch {
    throw new DevChainError(`${contractsFile()} is missing: build the orchestrator first (make build)`);
  }
  return (JSON.parse(text) as { artifacts: Record<"StudioProxy" | "RewardsDistributor", ContractArtifact> }).artifacts;
}
