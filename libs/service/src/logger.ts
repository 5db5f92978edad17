import { type Logger, pino } from "pino";

export type { Logger } from "pino";

/** Paths never written to logs, wherever they appear in a logged object. */
const REDACT = [
  "*.http_api_key",
  "*.api_key",
  "*.secret",
  "*.password",
  "*.token",
  "*.private_key",
  "headers.authorization",
  'headers["x-api-key"]',
  "*.headers.authorization",
  '*.headers["x-api-key"]',
];

export interface LoggerOptions {
  service: string;
  instanceId: string;
  level: string;
}

/** A JSON logger whose every line names the service and instance. */
export function createLogger(options: LoggerOptions): Logger {
  return pino({
    level: options.level,
    base: { service: options.service, instance: options.instanceId },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: "[redacted]" },
    formatters: { level: (label) => ({ level: label }) },
  });
}
