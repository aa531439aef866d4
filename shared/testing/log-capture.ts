// Test helper: a real rafdir logger whose JSON lines are kept in memory.
import { createLogger, type Logger } from "../log.ts";

export interface CapturedLog {
  log: Logger;
  /** Every line written so far, parsed. */
  lines(): Array<Record<string, unknown>>;
}

export function captureLog(level = "debug"): CapturedLog {
  const raw: string[] = [];
  const log = createLogger({ level, name: "test" }, { write: (line: string) => void raw.push(line) });
  return { log, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
