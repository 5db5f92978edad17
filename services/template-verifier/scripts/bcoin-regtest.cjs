// A bcoin regtest full node made to behave like bitcoind regtest:
// segwit and csv active from genesis, BIP34/65/66 enforced from height 1, Core's address prefixes,
// templates refreshed on every mempool transaction, and `gh_fillmempool <bytes>` to fill the mempool with
// mainnet-size traffic on demand (see fillMempool below). Usage: node services/template-verifier/scripts/bcoin-regtest.cjs <httpPort> <walletPort> <apiKey>
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
const KeyRing = require("bcoin/lib/primitives/keyring");
const MTX = require("bcoin/lib/primitives/mtx");
const Coin = require("bcoin/lib/primitives/coin");
const Script = require("bcoin/lib/script/script");
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
  // A long-poll whose longpollid (tip ‖ transaction count) is already out of date answers at once,
  // as Bitcoin Core's does (src/rpc/mining.cpp compares the id's mempool counter). bcoin compares
  // only the tip, so a transaction arriving between one template and the next long-poll was never
  // signalled: the poll then waited for its timeout.
  const waitForChange = node.rpc.handleLongpoll.bind(node.rpc);
  node.rpc.handleLongpoll = async (lpid) => {
    if (typeof lpid === "string" && lpid.length === 72 && Number.parseInt(lpid.slice(64), 16) !== node.rpc.totalTX()) return;
    return waitForChange(lpid);
  };
  node.rpc.add("gh_fillmempool", async (args) => fillMempool(node, Number(args[0])));
  const stop = async () => {
    await node.close().catch(() => {});
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdout.write(`${JSON.stringify({ ready: true, httpPort: Number(httpPort), walletPort: Number(walletPort) })}\n`);
}

/** Outputs per fan-out transaction (~31 kB, far below the 100 kvB standardness limit). */
const FAN_OUT = 1000;
/** Outputs per filler transaction: 1-in-10-out P2WPKH is ~470 bytes, 1,560 weight, like a batched payout. */
const SPEND_OUTPUTS = 10;
const COINBASE_MATURITY = 100;
/** bcoin 1.0 keys its chain by little-endian hex; RPC speaks display (big-endian) hex. */
const revHex = (hex) => Buffer.from(hex, "hex").reverse().toString("hex");

/**
 * Fills the mempool with at least `targetBytes` of standard, independent, fee-paying P2WPKH
 * transactions (~470 bytes each, fee rates 2-20 sat/vB), as mainnet's mempool looks to a template:
 * thousands of transactions and more than one block's weight. Coins come from blocks mined to a
 * throwaway key, matured, fanned out and confirmed, so no filler depends on another.
 */
async function fillMempool(node, targetBytes) {
  if (!Number.isFinite(targetBytes) || targetBytes <= 0 || targetBytes > 64e6) throw new Error("gh_fillmempool <bytes> (at most 64 MB)");
  const ring = KeyRing.generate();
  ring.witness = true;
  const address = ring.getAddress();
  const script = Script.fromAddress(address);
  const spends = Math.ceil(targetBytes / 470);
  const fanOuts = Math.ceil(spends / FAN_OUT);
  const coinbases = [];
  for (const hash of await node.rpc.mineBlocks(fanOuts, address)) {
    const entry = await node.chain.getEntry(revHex(hash));
    const block = await node.chain.getBlock(entry.hash);
    coinbases.push(Coin.fromTX(block.txs[0], 0, entry.height));
  }
  await node.rpc.mineBlocks(COINBASE_MATURITY, address);
  const fanned = [];
  for (const coin of coinbases) {
    const mtx = new MTX();
    mtx.addCoin(coin);
    const value = Math.floor((coin.value - 100_000) / FAN_OUT);
    for (let i = 0; i < FAN_OUT; i++) mtx.addOutput(script, value);
    mtx.sign(ring);
    const tx = mtx.toTX();
    await node.mempool.addTX(tx);
    fanned.push(tx);
  }
  const [confirmHash] = await node.rpc.mineBlocks(1, address);
  const height = (await node.chain.getEntry(revHex(confirmHash))).height;
  let bytes = 0;
  let count = 0;
  for (const parent of fanned) {
    for (let vout = 0; vout < parent.outputs.length && count < spends; vout++) {
      const coin = Coin.fromTX(parent, vout, height);
      const mtx = new MTX();
      mtx.addCoin(coin);
      const rate = 2 + (count % 19);
      const fee = rate * 400;
      const value = Math.floor((coin.value - fee) / SPEND_OUTPUTS);
      for (let i = 0; i < SPEND_OUTPUTS; i++) mtx.addOutput(script, value);
      mtx.sign(ring);
      const tx = mtx.toTX();
      await node.mempool.addTX(tx);
      bytes += tx.getSize();
      count += 1;
    }
  }
  return { transactions: count, bytes, mempoolTransactions: node.mempool.map.size, height: node.chain.height };
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
