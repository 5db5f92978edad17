import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "@gatehouse/service";
import { z } from "zod";
import type { Fault, PoolBackend } from "./backend.js";

const faultSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("none") }),
  z.strictObject({ kind: z.literal("fail"), status: z.number().int().min(300).max(599), retryAfterS: z.number().int().min(0).optional() }),
  z.strictObject({ kind: z.literal("slow"), delayMs: z.number().int().min(0).max(600_000) }),
  z.strictObject({ kind: z.literal("late"), delayMs: z.number().int().min(0).max(600_000) }),
  z.strictObject({ kind: z.literal("reject"), reason: z.string().min(1).max(200) }),
  z.strictObject({ kind: z.literal("malformed") }),
]);
const goAwaySchema = z.strictObject({ for_ms: z.number().int().min(0).max(3_600_000) });

/** The control API's small JSON bodies; a larger one is BodyTooLargeError, answered 400 like any bad body. */
async function json(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req, 4096)).toString("utf8");
  return JSON.parse(text || "{}");
}

/** event_ids are hex SHA-256 digests. */
const EVENT_ID = /^\/shares\/([0-9a-f]{64})$/;

/**
 * The control API for fault tests and `make dev`: GET /stats, GET /shares/<event_id> (the answer
 * given to that share and how many times it was delivered), POST /fault with a Fault,
 * POST /go-away {"for_ms"} (stop listening, come back after that long). Loopback only.
 */
export async function startAdmin(backend: PoolBackend, host: string, port: number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    void (async () => {
      try {
        if (req.method === "GET" && req.url === "/stats") return send(200, backend.stats());
        const share = req.method === "GET" ? EVENT_ID.exec(req.url ?? "") : null;
        if (share) {
          const record = backend.delivery(share[1] as string);
          return record ? send(200, { event_id: share[1], ...record }) : send(404, { error: "no delivery with this event_id" });
        }
        if (req.method === "POST" && req.url === "/fault") {
          const fault: Fault = faultSchema.parse(await json(req));
          backend.setFault(fault);
          return send(200, { fault });
        }
        if (req.method === "POST" && req.url === "/go-away") {
          const { for_ms } = goAwaySchema.parse(await json(req));
          await backend.goAway();
          setTimeout(() => void backend.comeBack(), for_ms).unref();
          return send(200, { back_in_ms: for_ms });
        }
        return send(404, { error: "GET /stats, GET /shares/<event_id>, POST /fault, POST /go-away" });
      } catch (err) {
        return send(400, {
          error: err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") : (err as Error).message,
        });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return { url: `http://${host}:${(server.address() as AddressInfo).port}`, server };
}
