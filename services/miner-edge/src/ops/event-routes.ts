import { type OpsServer, sendJson } from "@gatehouse/service";
import { type EventLog, eventJson, parseFilter } from "./event-log.js";

/**
 * GET /gateway/events?type=&worker=&reason=&limit= → {events: [...]} newest first;
 * GET /gateway/events/stream (same filters) → Server-Sent Events. Both behind the API key.
 */
export function registerEventRoutes(ops: OpsServer, events: EventLog): void {
  ops.route("GET", "/gateway/events", (_req, res, url) => {
    const filter = parseFilter(url.searchParams);
    if (typeof filter === "string") return sendJson(res, 400, { error: filter });
    sendJson(res, 200, { events: events.recent(filter).map(eventJson) });
  });
  ops.route("GET", "/gateway/events/stream", (_req, res, url) => {
    const filter = parseFilter(url.searchParams);
    if (typeof filter === "string") return sendJson(res, 400, { error: filter });
    if (!events.stream(res, filter)) sendJson(res, 503, { error: "too many event streams" });
  });
}
