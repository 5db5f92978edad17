/** Renders a service's pino JSON line for a terminal: time, level, message, then the other fields. */
const LEVEL_COLOUR: Record<string, string> = { trace: "90", debug: "90", info: "32", warn: "33", error: "31", fatal: "35" };
const OMIT = new Set(["time", "level", "msg", "service", "instance", "pid", "hostname"]);

export function colour(code: string, text: string, enabled: boolean): string {
  return enabled ? `\u001b[${code}m${text}\u001b[0m` : text;
}

export function formatLogLine(line: string, colours: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry !== "object" || entry === null || !("msg" in entry)) return line;
  const time = typeof entry.time === "string" ? entry.time.slice(11, 23) : "";
  const level = String(entry.level ?? "info");
  const fields = Object.entries(entry)
    .filter(([key]) => !OMIT.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  const head = colour(LEVEL_COLOUR[level] ?? "0", level.toUpperCase().padEnd(5), colours);
  return `${time} ${head} ${String(entry.msg)}${fields ? ` ${colour("90", fields, colours)}` : ""}`;
}
