// The event log: JSON lines at <dir>/events.jsonl. One record per event the broker accepted (or rejected), per
// delivery attempt, dead letter, injected fault, TTL drop and lost event. `rafdir events` reads it.
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { describeData, type Envelope } from "./envelope.ts";

export const EVENT_LOG_FILE = "events.jsonl";

export function eventLogPath(dir: string): string {
  return join(dir, EVENT_LOG_FILE);
}

const base = { time: z.string(), seq: z.string().optional() };

/** Records, loosely parsed so an older or newer log still prints. */
export const logRecordSchema = z.discriminatedUnion("kind", [
  z.looseObject({
    kind: z.literal("event"),
    ...base,
    broker: z.string(),
    origin: z.string(),
    id: z.string(),
    type: z.string(),
    source: z.string(),
    subject: z.string().optional(),
    rafdirrun: z.string().optional(),
    rafdirprofile: z.string().optional(),
    datacontenttype: z.string().optional(),
    extensions: z.record(z.string(), z.string()).optional(),
    data: z.unknown().optional(),
    dataBase64: z.string().optional(),
  }),
  z.looseObject({ kind: z.literal("rejected"), ...base, path: z.string(), status: z.number(), reason: z.string() }),
  z.looseObject({
    kind: z.literal("delivery"),
    ...base,
    id: z.string(),
    type: z.string(),
    trigger: z.string(),
    subscriber: z.string(),
    attempt: z.number(),
    status: z.number(),
    result: z.enum(["done", "reply", "retry", "failed"]),
    reason: z.string().optional(),
  }),
  z.looseObject({
    kind: z.literal("deadletter"),
    ...base,
    id: z.string(),
    type: z.string(),
    trigger: z.string(),
    sink: z.string(),
    code: z.number(),
    status: z.number(),
    delivered: z.boolean(),
  }),
  z.looseObject({ kind: z.literal("fault"), ...base, id: z.string(), type: z.string(), trigger: z.string(), fault: z.enum(["drop", "duplicate"]) }),
  z.looseObject({ kind: z.literal("ttl"), ...base, id: z.string(), type: z.string(), trigger: z.string(), replyType: z.string() }),
  z.looseObject({ kind: z.literal("lost"), ...base, id: z.string(), type: z.string(), by: z.string(), reason: z.string() }),
]);
export type LogRecord = z.infer<typeof logRecordSchema>;
export type EventRecord = Extract<LogRecord, { kind: "event" }>;

/** Distributive Omit, so each record kind keeps its own fields. */
export type NewRecord = LogRecord extends infer R ? (R extends LogRecord ? Omit<R, "time"> : never) : never;

const CORE = new Set(["specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "rafdirrun", "rafdirprofile"]);

/** The `event` record for an accepted event. */
export function eventRecord(ev: Envelope, broker: string, origin: string, seq: string): NewRecord {
  const a = ev.attrs;
  const extensions: Record<string, string> = {};
  for (const [k, v] of Object.entries(a)) if (!CORE.has(k)) extensions[k] = v;
  return {
    kind: "event",
    seq,
    broker,
    origin,
    id: a["id"] ?? "",
    type: a["type"] ?? "",
    source: a["source"] ?? "",
    ...(a["subject"] !== undefined ? { subject: a["subject"] } : {}),
    ...(a["rafdirrun"] !== undefined ? { rafdirrun: a["rafdirrun"] } : {}),
    ...(a["rafdirprofile"] !== undefined ? { rafdirprofile: a["rafdirprofile"] } : {}),
    ...(a["datacontenttype"] !== undefined ? { datacontenttype: a["datacontenttype"] } : {}),
    extensions,
    ...describeData(ev),
  };
}

/** Appends records synchronously, so the file order is the order things happened. */
export class EventLog {
  constructor(
    readonly path: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    mkdirSync(dirname(path), { recursive: true });
  }

  append(record: NewRecord): void {
    appendFileSync(this.path, `${JSON.stringify({ time: this.now().toISOString(), ...record })}\n`);
  }
}

/** Parses JSON lines; lines that do not parse are returned as `bad` (a torn last line while tailing, say). */
export function parseRecords(text: string): { records: LogRecord[]; bad: string[] } {
  const records: LogRecord[] = [];
  const bad: string[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const r = logRecordSchema.safeParse(JSON.parse(line));
      if (r.success) records.push(r.data);
      else bad.push(line);
    } catch {
      bad.push(line);
    }
  }
  return { records, bad };
}
