import { parseArgs } from "node:util";
import type { Hex } from "viem";
import { ANVIL_KEYS } from "../chain/anvil.js";
import { deployContracts } from "../chain/deploy.js";

/**
 * Deploys the contracts to a dev chain and prints the addresses as JSON:
 * `node services/orchestrator/dist/tools/deploy.js --rpc-url http://127.0.0.1:8545 [--agents 4]`.
 * Signers are anvil's deterministic accounts: account 0 owns; accounts 0..agents-1 are agents.
 */
const { values } = parseArgs({
  options: { "rpc-url": { type: "string", default: "http://127.0.0.1:8545" }, agents: { type: "string", default: "4" } },
});
const agents = Number(values.agents);
if (!Number.isInteger(agents) || agents < 0 || agents > ANVIL_KEYS.length) {
  process.stderr.write(`--agents must be 0..${ANVIL_KEYS.length}\n`);
  process.exit(2);
}
const deployment = await deployContracts({
  rpcUrl: values["rpc-url"] as string,
  ownerKey: ANVIL_KEYS[0] as Hex,
  agentKeys: ANVIL_KEYS.slice(0, agents) as Hex[],
});
process.stdout.write(`${JSON.stringify(deployment)}\n`);
