import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Command } from "commander";

/** Adds the connection options every bus command takes. */
export function natsOptions(command: Command): Command {
  return command.option("-s, --server <url>", "NATS server", process.env.GH_NATS_URL ?? "nats://127.0.0.1:4222");
}

export function connectFromOptions(options: { server: string }, name: string): Promise<NatsConnection> {
  return connect({ servers: options.server.split(","), name });
}
