// Writes docs/orchestrator-openapi.json from the built OPENAPI object (run after a build).
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { OPENAPI } from "../dist/api/openapi.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
writeFileSync(join(root, "docs", "orchestrator-openapi.json"), `${JSON.stringify(OPENAPI, null, 2)}\n`);
