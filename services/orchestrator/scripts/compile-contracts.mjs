// Compiles contracts/*.sol with solc-js (offline) into dist/contracts.json: {name: {abi, bytecode}}.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "contracts");
const sources = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => f.endsWith(".sol"))
    .sort()
    .map((f) => [f, { content: readFileSync(join(dir, f), "utf8") }]),
);
const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors ?? []).filter((e) => e.severity === "error");
for (const e of output.errors ?? []) process.stderr.write(`${e.formattedMessage}\n`);
if (errors.length > 0) process.exit(1);
const artifacts = {};
for (const file of Object.keys(output.contracts)) {
  for (const [name, contract] of Object.entries(output.contracts[file])) {
    if (contract.evm.bytecode.object.length === 0) continue; // interfaces
    artifacts[name] = { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
  }
}
mkdirSync(join(root, "dist"), { recursive: true });
writeFileSync(join(root, "dist", "contracts.json"), `${JSON.stringify({ solc: solc.version(), artifacts }, null, 1)}\n`);
process.stdout.write(`compiled ${Object.keys(artifacts).join(", ")} with solc ${solc.version()}\n`);
