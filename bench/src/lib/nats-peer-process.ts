import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BenchError } from "./errors.js";

/** Starts nats-peer.js (`args`: `reply <subject>` or `forward <in> <out>`) and resolves once it is subscribed. */
export async function startNatsPeer(servers: string, args: readonly string[]): Promise<ChildProcess> {
  const script = fileURLToPath(new URL("./nats-peer.js", import.meta.url));
  const child = spawn(process.execPath, [script, servers, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new BenchError(`NATS peer (${args.join(" ")}) exited with ${code} before it was ready`)));
    child.stdout?.once("data", () => resolve());
  });
  return child;
}
