// Creates (or reuses) the development SV2 keys in a folder and prints the authority key:
// `node tools/dev/dist/keys-main.js <dir>`. `make dev` does this itself in .dev/; docker-compose.dev.yml
// runs it once into a volume the miner edge and the miners share.
import { ensureDevKeys } from "./keys.js";

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: keys-main <dir>\n");
  process.exit(64);
}
const keys = ensureDevKeys(dir);
process.stdout.write(`${JSON.stringify({ authorityPublicKey: keys.authorityPublicKey, dir, created: keys.created })}\n`);
