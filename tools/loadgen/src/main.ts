#!/usr/bin/env node
import { parseCli, UsageError } from "./options.js";

try {
  parseCli(process.argv.slice(2));
  process.stderr.write("gatehouse-loadgen: not implemented yet\n");
  process.exit(1);
} catch (err) {
  process.stderr.write(`${err instanceof UsageError ? err.message : String(err)}\n`);
  process.exit(64);
}
