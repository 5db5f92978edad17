// A bare NATS peer in a process of its own, for floors that must pay the hops between processes
// the measured path pays: `reply <subject>` answers each request at once with 400 bytes (a relay
// node's stand-in); `forward <in> <out>` republishes each message's bytes to <out> (an echo).
// Usage: node nats-peer.js <nats url> reply <subject> | forward <in> <out>; prints "ready" once subscribed.
import { Bus } from "@gatehouse/bus";
import { BenchUsageError } from "./errors.js";

const [servers, mode, subject, out] = process.argv.slice(2);
if (!servers || !subject || (mode !== "reply" && mode !== "forward") || (mode === "forward" && !out)) {
  throw new BenchUsageError("usage: nats-peer.js <nats url> reply <subject> | forward <in> <out>");
}
const { nc } = await Bus.connect({ servers, name: `nats-peer-${mode}` });
const reply = new Uint8Array(400);
nc.subscribe(subject, {
  callback: (_err, msg) => {
    if (mode === "reply") void msg.respond(reply);
    else nc.publish(out as string, msg.data);
  },
});
await nc.flush();
process.stdout.write("ready\n");
process.once("SIGTERM", () => void nc.close().then(() => process.exit(0)));
