import { setFlagsFromString } from "node:v8";
import { runService } from "@gatehouse/service";
import { service } from "./service.js";

// At 2,000 proposals/s the verifier promotes ~3 MB/s to the old generation, and V8 often lets that
// generation grow only ~1.45× past what the last mark-compact kept (~23 MB), so one came every ~2 s,
// its incremental-marking steps (up to 10 ms) delaying every verdict in flight: most of the p99.
// Growing it 4× leaves about one per 15 s at that rate, for 70–100 MB of heap in use before one
// instead of ~32 MB. Read at each collection, so setting it here takes effect from the next one.
setFlagsFromString("--heap-growing-percent=300");

runService(service);
