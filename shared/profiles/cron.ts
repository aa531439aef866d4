// Schedules as a PingSource runs them (robfig cron: five fields or a descriptor; `timezone` applied as CRON_TZ).
// PingSource does the ticking; these helpers answer "when next" and "was a tick missed" for status and docs.
import { Cron } from "croner";
import type { Schedule } from "./types.ts";

/** The cron descriptors PingSource (robfig cron) accepts, as five-field patterns. */
export const CRON_DESCRIPTORS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const FIELDS = ["minute", "hour", "day-of-month", "month", "day-of-week"] as const;

/** The five-field pattern croner runs for a schedule's cron (descriptors expanded). */
const patternOf = (cron: string): string => CRON_DESCRIPTORS[cron.trim().toLowerCase()] ?? cron.trim();

/** Why `cron` would not work in a PingSource ("" when it would). */
export function cronProblem(cron: string): string {
  const text = cron.trim();
  if (text.startsWith("@")) return text.toLowerCase() in CRON_DESCRIPTORS ? "" : `is not a cron descriptor PingSource accepts (@yearly, @monthly, @weekly, @daily, @hourly)`;
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return `must have five fields (minute hour day-of-month month day-of-week), found ${fields.length}`;
  for (const [i, field] of fields.entries()) {
    const problem = fieldProblem(field, i);
    if (problem) return problem;
  }
  try {
    new Cron(text, { timezone: "Etc/UTC" }).nextRun(new Date(0));
  } catch (err) {
    return `is not a valid cron expression (${err instanceof Error ? err.message.replace(/^CronPattern: /, "") : String(err)})`;
  }
  return "";
}

function fieldProblem(field: string, index: number): string {
  const what = FIELDS[index] ?? "field";
  for (const item of field.split(",")) {
    const [range = "", step, extra] = item.split("/");
    if (extra !== undefined || (step !== undefined && !/^\d+$/.test(step))) return `has an invalid step in the ${what} field: ${JSON.stringify(item)}`;
    if (range === "*" || (range === "?" && (index === 2 || index === 4))) continue;
    const bounds = range.split("-");
    if (bounds.length > 2) return `has an invalid range in the ${what} field: ${JSON.stringify(item)}`;
    for (const b of bounds) {
      const problem = valueProblem(b.toUpperCase(), index, what);
      if (problem) return problem;
    }
  }
  return "";
}

function valueProblem(v: string, index: number, what: string): string {
  if (/^\d+$/.test(v)) return index === 4 && Number(v) > 6 ? `uses day-of-week ${v}; PingSource takes 0-6 (0 = Sunday)` : "";
  if (index === 3 && MONTHS.includes(v)) return "";
  if (index === 4 && DAYS.includes(v)) return "";
  return `has ${JSON.stringify(v)} in the ${what} field, which PingSource does not understand`;
}

/**
 * Why `zone` is not a time zone a PingSource can load ("" when it is). Go looks zones up by file name, so the
 * spelling must be exact: "europe/berlin" is refused with a hint. Aliases ("UTC", "Etc/UTC") are fine as written.
 */
export function timeZoneProblem(zone: string): string {
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return `is not an IANA time zone (e.g. "Europe/Berlin", "Etc/UTC")`;
  }
  return canonical !== zone && canonical.toLowerCase() === zone.toLowerCase() ? `is not spelled exactly (did you mean ${JSON.stringify(canonical)}?)` : "";
}

/** The first tick strictly after `after`; undefined when the schedule never fires again. */
export function nextRun(schedule: Pick<Schedule, "cron" | "timeZone">, after: Date): Date | undefined {
  const next = new Cron(patternOf(schedule.cron), { timezone: schedule.timeZone }).nextRun(after);
  return next ?? undefined;
}

/** Whether a tick fell in (since, now]: e.g. since = the last run's start, to spot a missed tick. */
export function cronDue(schedule: Pick<Schedule, "cron" | "timeZone">, window: { since: Date; now: Date }): boolean {
  const next = nextRun(schedule, window.since);
  return next !== undefined && next.getTime() <= window.now.getTime();
}
