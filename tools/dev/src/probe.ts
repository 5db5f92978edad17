import { Socket } from "node:net";
import pg from "pg";

/** Reads the first line a TCP server sends, or writes `send` first; resolves undefined on failure. */
function exchange(host: string, port: number, send: string | undefined, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let data = "";
    const done = (value: string | undefined) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once("error", () => done(undefined));
    socket.on("data", (chunk) => {
      data += chunk.toString("utf8");
      const end = data.indexOf("\r\n");
      if (end >= 0) done(data.slice(0, end));
    });
    socket.connect(port, host, () => {
      if (send) socket.write(send);
    });
  });
}

/** True when a NATS server with JetStream enabled answers at host:port. */
export async function natsWithJetStream(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  const line = await exchange(host, port, undefined, timeoutMs);
  if (!line?.startsWith("INFO ")) return false;
  try {
    return JSON.parse(line.slice(5)).jetstream === true;
  } catch {
    return false;
  }
}

/** True when a Redis server answers PING at host:port. */
export async function redisAnswers(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return (await exchange(host, port, "PING\r\n", timeoutMs)) === "+PONG";
}

/** True when PostgreSQL at `url` accepts the connection and answers a query. */
export async function postgresAnswers(url: string, timeoutMs = 2_000): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** True when something accepts TCP connections at host:port. */
export function portAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (value: boolean) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/** True when GET `url` answers 200. */
export async function answers200(url: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}
