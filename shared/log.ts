// The one logger: pino, JSON lines, secrets redacted. Callers make child loggers carrying run, profile and event id.
import { pino, type Logger, type DestinationStream } from "pino";

export type { Logger };

export interface LogConfig {
  level?: string;
  name?: string;
}

/** Paths never written to a log, wherever they appear in a logged object. */
export const REDACT_PATHS = [
  "password",
  "*.password",
  "token",
  "*.token",
  "RESTIC_PASSWORD",
  "*.RESTIC_PASSWORD",
  "env.RESTIC_PASSWORD",
  "*.env.RESTIC_PASSWORD",
  "headers.authorization",
  "*.headers.authorization",
  "secret.data",
  "*.stringData",
];

export function createLogger(config: LogConfig = {}, destination?: DestinationStream): Logger {
  return pino(
    {
      name: config.name ?? "rafdir",
      level: config.level ?? "info",
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
