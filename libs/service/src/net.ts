import { createServer, isIP } from "node:net";

export interface HostPort {
  host: string;
  port: number;
}

/** An address that is not `host:port` or `[v6]:port` with a port up to 65535. */
export class HostPortFormatError extends Error {
  override readonly name = "HostPortFormatError";
  constructor(readonly address: string) {
    super(`"${address}" is not host:port`);
  }
}

/** Parses `host:port` or `[v6]:port`. */
export function parseHostPort(address: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address.trim());
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || port > 65_535) throw new HostPortFormatError(address);
  return { host: match[1] ?? match[2] ?? "", port };
}

/** Formats a host and port for URLs and listen addresses. */
export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1";
  return false;
}

/** A TCP port free on `host` right now, for a child process to listen on. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
