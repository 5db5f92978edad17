#!/usr/bin/env node
// `npx gatehouse-pool-backend`: see tools/scripts/launch-bin.mjs.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "../../scripts/launch-bin.mjs";

await launch(join(dirname(fileURLToPath(import.meta.url)), ".."), "gatehouse-pool-backend");
