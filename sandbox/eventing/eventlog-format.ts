// The event log for humans, pure: one line per event with what happened to it (summary), or one line per record
// as it arrives (follow mode).
import type { LogRecord } from "./eventlog.ts";

type Rec<K extends LogRecord["kind"]> = Extract<LogRecord, { kind: K }>;

export function shortTime(iso: string): string {
  return iso.replace("T", " ").replace(/Z$/, "");
}

function shortTrigger(key: string): string {
  return key.slice(key.indexOf("/") + 1);
}

function who(r: { rafdirrun?: string; rafdirprofile?: string }): string {
  const parts = [r.rafdirrun ? `run=${r.rafdirrun}` : "", r.rafdirprofile ? `profile=${r.rafdirprofile}` : ""].filter(Boolean);
  return parts.join(" ");
}

function eventHead(e: Rec<"event">): string {
  const origin = e.origin === "http" ? "" : ` (${e.origin})`;
  return [shortTime(e.time), e.type, e.source, who(e), `id=${e.id}${origin}`].filter(Boolean).join("  ");
}

/** What happened to one event at one trigger, from its records in log order. */
function triggerOutcome(trigger: string, recs: LogRecord[]): string {
  const name = shortTrigger(trigger);
  const deliveries = recs.filter((r): r is Rec<"delivery"> => r.kind === "delivery");
  const faults = recs.filter((r): r is Rec<"fault"> => r.kind === "fault").map((r) => r.fault);
  const dead = recs.find((r): r is Rec<"deadletter"> => r.kind === "deadletter");
  const ttl = recs.some((r) => r.kind === "ttl");
  if (faults.includes("drop") && deliveries.length === 0) return `${name} dropped (fault)`;
  const finals = deliveries.filter((d) => d.result !== "retry");
  const attempts = deliveries.length;
  const parts: string[] = [];
  if (finals.length === 0) parts.push(`${name} retrying (${attempts} attempt${attempts === 1 ? "" : "s"}, last ${deliveries.at(-1)?.status ?? "?"})`);
  for (const f of finals) {
    const tries = attempts > finals.length ? ` after ${attempts} attempts` : "";
    if (f.result === "done") parts.push(`${name} ${f.status}${tries}`);
    else if (f.result === "reply") parts.push(`${name} ${f.status} reply${tries}`);
    else parts.push(`${name} FAILED ${f.status || "network"}${tries}`);
  }
  if (faults.includes("duplicate")) parts.push("(duplicated by fault)");
  if (ttl) parts.push("reply dropped: TTL exhausted");
  if (dead) parts.push(dead.delivered ? "-> dead letter" : "-> dead letter FAILED (lost)");
  else if (recs.some((r) => r.kind === "lost")) parts.push("LOST");
  return parts.join(" ");
}

/** The trigger a record is about ("namespace/name"), if any. */
function triggerOf(r: LogRecord): string | undefined {
  if (r.kind === "delivery" || r.kind === "deadletter" || r.kind === "fault" || r.kind === "ttl") return r.trigger;
  if (r.kind === "lost" && r.by.startsWith("trigger ")) return r.by.slice("trigger ".length);
  return undefined;
}

/** One line per event (and per rejection or loss outside an event), in log order. */
export function summarize(records: readonly LogRecord[]): string[] {
  const bySeq = new Map<string, LogRecord[]>();
  for (const r of records) {
    if (r.kind === "event" || r.seq === undefined) continue;
    const list = bySeq.get(r.seq) ?? [];
    list.push(r);
    bySeq.set(r.seq, list);
  }
  const lines: string[] = [];
  for (const r of records) {
    if (r.kind === "event") {
      const related = bySeq.get(r.seq ?? "") ?? [];
      const triggers = [...new Set(related.map(triggerOf).filter((t): t is string => t !== undefined))];
      const outcome =
        triggers.length === 0 ? "no trigger matched" : triggers.map((t) => triggerOutcome(t, related.filter((x) => triggerOf(x) === t))).join("; ");
      lines.push(`${eventHead(r)}  => ${outcome}`);
    } else if (r.kind === "rejected") {
      lines.push(`${shortTime(r.time)}  REJECTED ${r.status} at ${r.path}: ${r.reason}`);
    } else if (r.kind === "lost" && r.seq === undefined) {
      lines.push(`${shortTime(r.time)}  LOST ${r.type} id=${r.id} (${r.by}): ${r.reason}`);
    }
  }
  return lines;
}

/** One line per record, for `rafdir events --follow`. */
export function formatRecord(r: LogRecord): string {
  const t = shortTime(r.time);
  switch (r.kind) {
    case "event":
      return `${t}  EVENT    ${[r.type, r.source, who(r), `id=${r.id}`, r.origin === "http" ? "" : `(${r.origin})`].filter(Boolean).join("  ")}`;
    case "delivery":
      return `${t}    ${r.result === "retry" ? "retry  " : r.result === "failed" ? "FAILED " : "deliver"}  ${shortTrigger(r.trigger)} -> ${r.subscriber}  ${r.status || "network"}${r.result === "reply" ? " reply" : ""}  attempt ${r.attempt}${r.reason ? `  (${r.reason})` : ""}`;
    case "deadletter":
      return `${t}    dead-letter  ${shortTrigger(r.trigger)} ${r.type} id=${r.id} -> ${r.sink}  code ${r.code}${r.delivered ? "" : "  FAILED: lost"}`;
    case "fault":
      return `${t}    fault    ${r.fault} ${r.type} id=${r.id} at ${shortTrigger(r.trigger)}`;
    case "ttl":
      return `${t}    ttl      reply ${r.replyType} to ${r.type} id=${r.id} dropped at ${shortTrigger(r.trigger)}: TTL exhausted`;
    case "lost":
      return `${t}  LOST     ${r.type} id=${r.id} (${r.by}): ${r.reason}`;
    case "rejected":
      return `${t}  REJECTED ${r.status} at ${r.path}: ${r.reason}`;
  }
}
