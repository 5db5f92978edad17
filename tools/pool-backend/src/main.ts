#!/usr/bin/env node
import { parseArgs } from "node:util";
import { startAdmin } from "./admin.js";
import { PoolBackend } from "./backend.js";

// The secret comes from the environment, never argv (argv is visible to every local user).
const SECRET_VARIABLE = "GH_POOL_BACKEND_SECRET";

const USAGE = `usage: ${SECRET_VARIABLE}=whsec_<base64> gatehouse-pool-backend [--host 127.0.0.1] [--port 8090] [--admin-port 8091]
  Receives the share forwarder's signed shares on POST http://<host>:<port>/shares; stats on http://127.0.0.1:<admin-port>/stats.
`;

let values: { host: string; port: string; "admin-port": string; help: boolean };
try {
  ({ values } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8090" },
      "admin-port": { type: "string", default: "8091" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  }));
} catch (err) {
  process.stderr.write(`pool-backend: ${(err as Error).message}\n${USAGE}`);
  process.exit(64);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const secret = process.env[SECRET_VARIABLE];
if (!secret) {
  process.stderr.write(`pool-backend: ${SECRET_VARIABLE} (whsec_<base64>) is required\n`);
  process.exit(78);
}
const backend = await PoolBackend.start({ secret, host: values.host, port: Number(values.port) });
const admin = await startAdmin(backend, "127.0.0.1", Number(values["admin-port"]));
process.stdout.write(`${JSON.stringify({ msg: "pool backend started", shares: backend.url, admin: admin.url })}\n`);

const stop = () => {
  admin.server.close();
  void backend.close().then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
