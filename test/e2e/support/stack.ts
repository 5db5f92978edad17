// The end-to-end journeys' stack: `make dev`'s stack (tools/dev startStack) in test mode — free
// ports, a private NATS (restartable), its own namespace on the shared Redis and PostgreSQL, throwaway keys — and
// helpers to read what it left on the bus.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DescMessage, fromBinary, type MessageShape } from "@bufbuild/protobuf";
import { Bus, streamCatalog } from "@gatehouse/bus";
import { type Stack, type StackOptions, startStack } from "@gatehouse/dev";
import { postgresUrl, redisUrl, testNamespace } from "@gatehouse/testkit";
import { DeliverPolicy } from "@nats-io/jetstream";

/** Starts the whole stack as `make dev` does, on free ports; GH_E2E_ECHO=1 prints every process's output. */
export function startTestStack(label: string, options: Partial<StackOptions> = {}): Promise<Stack> {
  const echo = process.env.GH_E2E_ECHO === "1";
  return startStack({
    ports: "free",
    nats: "private",
    redisUrl: redisUrl(),
    postgresUrl: postgresUrl(),
    namespace: testNamespace(label),
    devDir: mkdtempSync(join(tmpdir(), `gh-${label}-`)),
    autoRestart: false,
    cleanUp: true,
    ...(echo
      ? {
          onLine: (name: string, line: string) => process.stdout.write(`[${name}] ${line}\n`),
          onNotice: (name: string, message: string) => process.stdout.write(`[${name}] ${message}\n`),
        }
      : {}),
    ...options,
  });
}

export async function connectBus(stack: Stack, name: string): Promise<Bus> {
  return Bus.connect({ servers: stack.natsUrl, name, subjectRoot: stack.namespace.subjectRoot });
}

export function catalogOf(stack: Stack) {
  return streamCatalog({ subjectRoot: stack.namespace.subjectRoot, namePrefix: stack.namespace.streamPrefix });
}

export interface Stored<D extends DescMessage> {
  subject: string;
  msgId: string | undefined;
  /** When the stream stored it (its server's clock, milliseconds since the epoch). */
  storedAtMs: number;
  message: MessageShape<D>;
}

/**
 * Every message of `schema` stored in `stream` on `subject`, in order: read up to the last
 * sequence the stream had when called.
 */
export async function readStream<D extends DescMessage>(bus: Bus, stream: string, subject: string, schema: D): Promise<Stored<D>[]> {
  const jsm = await bus.jsm();
  const { state } = await jsm.streams.info(stream);
  if (state.messages === 0) return [];
  // No subject filter: nats-server 2.9 takes one only on durable consumers; filtered here instead.
  const consumer = await bus.js.consumers.get(stream, { deliver_policy: DeliverPolicy.All });
  const out: Stored<D>[] = [];
  let seq = 0;
  while (seq < state.last_seq) {
    const batch = await consumer.fetch({ max_messages: 1_000, expires: 2_000 });
    for await (const m of batch) {
      seq = m.seq;
      if (m.subject === subject)
        out.push({
          subject: m.subject,
          msgId: m.headers?.get("Nats-Msg-Id"),
          storedAtMs: m.info.timestampNanos / 1e6,
          message: fromBinary(schema, m.data),
        });
      if (seq >= state.last_seq) break;
    }
  }
  return out;
}
