import { type DestinationStream, type Logger, pino } from "pino";

/** Log levels `LOG_LEVEL` accepts (pino's, plus `silent`). */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The structured logger of the server (pino). */
export type RelayLogger = Logger;

/** Options of {@link createRelayLogger}. */
export interface RelayLoggerOptions {
  /** Least severe level written. @default "info" */
  level?: LogLevel;
  /** Name written as `name` on every line (the instance). @default "relay" */
  name?: string;
  /** Where lines go. @default standard output */
  destination?: DestinationStream;
}

/**
 * Paths that never reach a log line even if a caller logs a whole request: credentials in
 * headers and the execution's payload.
 */
export const REDACTED_LOG_PATHS = [
  "headers.authorization",
  "headers.cookie",
  'headers["x-api-key"]',
  "authorization",
  "token",
  "inputs",
  "output",
  "body",
];

/** Creates the server's JSON logger: one object per line, with redaction of credentials and payloads. */
export function createRelayLogger(options: RelayLoggerOptions = {}): RelayLogger {
  return pino(
    {
      level: options.level ?? "info",
      name: options.name ?? "relay",
      base: { name: options.name ?? "relay" },
      redact: { paths: REDACTED_LOG_PATHS, remove: true },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
