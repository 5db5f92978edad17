import { Command } from "commander";
import { registerGrpc } from "./commands/grpc.js";
import { registerKeys } from "./commands/keys.js";
import { registerRelay } from "./commands/relay.js";
import { registerStreams } from "./commands/streams.js";
import { registerTail } from "./commands/tail.js";

const program = new Command()
  .name("gatehouse")
  .description("Gatehouse operator tool: watch the bus, inspect streams, call admin APIs")
  .showHelpAfterError();

registerTail(program);
registerStreams(program);
registerGrpc(program);
registerRelay(program);
registerKeys(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`gatehouse: ${(err as Error).message}\n`);
  process.exit(1);
}
