// A bcoin regtest full node made to behave like bitcoind regtest:
// segwit and csv active from genesis, BIP34/65/66 enforced from height 1, Core's address prefixes,
// templates refreshed on every mempool transaction. Usage: node services/template-verifier/scripts/bcoin-regtest.cjs <httpPort> <walletPort> <apiKey>
// Prints one JSON line {"ready":true,...} when RPC is up; exits on SIGTERM.
"use strict";
const networks = require("bcoin/lib/protocol/networks");

networks.regtest.block.bip34height = 1;
networks.regtest.block.bip65height = 1;
networks.regtest.block.bip66height = 1;
networks.regtest.addressPrefix = { pubkeyhash: 0x6f, scripthash: 0xc4, witnesspubkeyhash: 0x06, witnessscripthash: 0x0a, bech32: "bcrt" };
networks.regtest.keyPrefix = { ...networks.regtest.keyPrefix, privkey: 0xef };

const Chain = require("bcoin/lib/blockchain/chain");
const { thresholdStates } = require("bcoin/lib/blockchain/common");
const getState = Chain.prototype.getState;
Chain.prototype.getState = async function (prev, deployment) {
  if (this.network.type === "regtest" && (deployment.name === "segwit" || deployment.name === "csv")) return thresholdStates.ACTIVE;
  return getState.call(this, prev, deployment);
};

const FullNode = require("bcoin/lib/node/fullnode");
const [httpPort, walletPort, apiKey] = process.argv.slice(2);

async function main() {
  const node = new FullNode({
    network: "regtest",
    memory: true,
    workers: false,
    listen: false,
    logLevel: "none",
    httpHost: "127.0.0.1",
    httpPort: Number(httpPort),
    apiKey,
    walletHttpPort: Number(walletPort),
    walletApiKey: apiKey,
    plugins: [require("bcoin/lib/wallet/plugin")],
  });
  await node.ensure();
  await node.open();
  await node.connect();
  node.startSync();
  // bcoin keeps a cached template for 10 s; bitcoind-like freshness needs a refresh per transaction.
  node.on("tx", () => node.rpc.refreshBlock());
  const stop = async () => {
    await node.close().catch(() => {});
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdout.write(`${JSON.stringify({ ready: true, httpPort: Number(httpPort), walletPort: Number(walletPort) })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
