// Funds two wallets on a bcoin regtest node and keeps paying between them, so templates carry
// fee-paying segwit and legacy transactions: what `make dev` does in-process, for
// docker-compose.dev.yml. `node tools/dev/dist/regtest-activity.js --rpc-url URL --wallet-url URL --api-key KEY [--interval-ms 2000]`

import { parseArgs } from "node:util";
import { waitFor } from "@gatehouse/service";
import { BcoinClient, TxActivity } from "./regtest.js";

const { values } = parseArgs({
  options: {
    "rpc-url": { type: "string", default: "http://127.0.0.1:18443" },
    "wallet-url": { type: "string", default: "http://127.0.0.1:18444" },
    "api-key": { type: "string", default: "dev" },
    "interval-ms": { type: "string", default: "2000" },
  },
});
const interval = Number(values["interval-ms"]);
if (!Number.isInteger(interval) || interval < 100) {
  process.stderr.write("--interval-ms must be an integer ≥ 100\n");
  process.exit(64);
}
const log = (msg: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: "info", msg, ...fields })}\n`);

const bcoin = new BcoinClient(values["rpc-url"] as string, values["wallet-url"] as string, values["api-key"] as string);
await waitFor(() => bcoin.answers(), {
  timeoutMs: 120_000,
  description: `bcoin at ${values["rpc-url"]}`,
  intervalMs: 500,
  onError: "fail",
});
const wallets = await bcoin.fundWallets();
log("wallets funded", { ...wallets, height: await bcoin.height() });
const activity = new TxActivity(bcoin, wallets, interval, (message) => log(message));
activity.start();
const report = setInterval(() => log("wallet payments", { ...activity.stats() }), 60_000);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    activity.stop();
    clearInterval(report);
    process.exit(0);
  });
