import { setFlagsFromString } from "node:v8";
import { runService } from "@gatehouse/service";
import { service } from "./service.js";

// Each mark-compact stalls every miner's answers for tens of milliseconds (the ack p99 under load
// is these episodes), and V8 by default lets the old generation grow only 1.1–1.5× past what the
// last one kept, which under load meant one every 1–3 s. Growing it 4× spaces them about 10 s
// apart at the benchmark's rates, for a heap of ~100 MB instead of ~50 MB. Read at each collection,
// so setting it here takes effect from the next one.
setFlagsFromString("--heap-growing-percent=300");

runService(service);
