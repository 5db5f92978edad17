// One DON member of the relay floor as its own process: answers every request on its subject at
// once with a fixed reply, so the floor pays the same process hops as the relay's nodes do.
// Usage: node floor-responder.js <nats url> <subject>; prints "ready" once subscribed.
import { Bus } from "@gatehouse/bus";

const [servers, subject] = process.argv.slice(2);
const { nc } = await Bus.connect({ servers: servers as string, name: "floor-responder" });
const reply = new Uint8Array(400);
nc.subscribe(subject as string, { callback: (_err, msg) => void msg.respond(reply) });
await nc.flush();
process.stdout.write("ready\n");
process.once("SIGTERM", () => void nc.close().then(() => process.exit(0)));
