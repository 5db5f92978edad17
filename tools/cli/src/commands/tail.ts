import type { Command } from "commander";
import { connectFromOptions, natsOptions } from "../nats.js";
import { renderMessage } from "../render.js";

export function registerTail(program: Command): void {
  natsOptions(
    program
      .command("tail")
      .description("print every message on matching subjects, decoded to JSON by its Gh-Type header (one per line)")
      .argument("[subject]", "subject pattern", "gh.>")
      .option("-n, --count <n>", "exit after n messages", (v) => Number.parseInt(v, 10))
      .option("--pretty", "indent the JSON"),
  ).action(async (subject: string, options: { count?: number; pretty?: boolean; server: string }) => {
    const nc = await connectFromOptions(options, "gatehouse-tail");
    const sub = nc.subscribe(subject, options.count ? { max: options.count } : {});
    process.stderr.write(`tailing ${subject} on ${options.server}\n`);
    process.on("SIGINT", () => void nc.drain());
    for await (const msg of sub) {
      const line = { time: new Date().toISOString(), ...renderMessage(msg) };
      process.stdout.write(`${JSON.stringify(line, null, options.pretty ? 2 : undefined)}\n`);
    }
    await nc.close();
  });
}
